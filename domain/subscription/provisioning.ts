import { Either } from "effect"
import {
  chargeReference,
  decideWallet,
  decideWalletCommands,
  provisioningFailureRefundReference,
  type WalletCommand,
  type WalletError
} from "../ledger/index.ts"
import { decideQuota, type QuotaError } from "../quota/index.ts"
import type { Outcome } from "../shared/index.ts"
import { claimService, decideSubscription, releaseService } from "./decide.ts"
import type { SubscriptionError } from "./errors.ts"
import type { EndingEvents, EndingStates } from "./ending.ts"

export interface ProvisioningFailureRequest {
  readonly now: string
  readonly reason: string
  readonly instanceName: string
  /** Taken before the transaction, one per possible charge (maxChargesPerPeriod). */
  readonly refundTransactionIds: ReadonlyArray<string>
}

/**
 * Provisioning failed or timed out: the instance goes to ERROR, the period's charges are refunded
 * in full, the slot and the service released. Exactly once: nothing unless still provisioning.
 */
export const decideProvisioningFailure = (
  states: EndingStates,
  request: ProvisioningFailureRequest
): Either.Either<Outcome<EndingEvents, void>, SubscriptionError | WalletError> =>
  Either.gen(function* () {
    const sub = states.subscription
    const subscription = yield* decideSubscription(
      { _tag: "FailProvisioning", now: request.now, reason: request.reason },
      sub
    )
    if (subscription.length === 0)
      return { events: { wallet: [], quota: [], subscription, guard: [] }, result: undefined }
    const refunds = sub.periodCharges.map((c, i): WalletCommand => ({
      _tag: "RefundCharge",
      transactionId: request.refundTransactionIds[i]!,
      amount: c.amount,
      reference: provisioningFailureRefundReference(sub.subscriptionId, c.transactionId),
      chargeTransactionId: c.transactionId,
      reason: `Provisioning of ${request.instanceName} failed: ${request.reason}`
    }))
    const wallet = yield* decideWalletCommands(refunds, states.wallet)
    const quota = Either.getOrElse(
      decideQuota({ _tag: "ReleaseSlot", subscriptionId: sub.subscriptionId }, states.quota),
      () => []
    )
    return {
      events: { wallet, quota, subscription, guard: releaseService(sub.subscriptionId, states.guard) },
      result: undefined
    }
  })

export interface ProvisioningRetryRequest {
  readonly now: string
  readonly chargeTransactionId: string
  readonly plan: { readonly name: string; readonly totalQuota: number }
}

/**
 * A failed or ended subscription provisioned again, like a new one on the same plan: service
 * claimed, a new first month charged, a slot taken.
 */
export const decideProvisioningRetry = (
  states: EndingStates,
  request: ProvisioningRetryRequest
): Either.Either<Outcome<EndingEvents, void>, SubscriptionError | WalletError | QuotaError> =>
  Either.gen(function* () {
    const sub = states.subscription
    const subscription = yield* decideSubscription(
      { _tag: "RetryProvisioning", now: request.now, chargeTransactionId: request.chargeTransactionId },
      sub
    )
    const retried = subscription[0]
    if (retried?._tag !== "ProvisioningRetried")
      return { events: { wallet: [], quota: [], subscription: [], guard: [] }, result: undefined }
    const guard = yield* claimService(sub.subscriptionId, [], states.guard)
    const cause = {
      _tag: "SubscriptionPeriod" as const,
      subscriptionId: sub.subscriptionId,
      periodStart: retried.periodStart
    }
    const wallet =
      retried.charged === 0
        ? []
        : yield* decideWallet(
            {
              _tag: "ChargeWallet",
              transactionId: request.chargeTransactionId,
              amount: retried.charged,
              reference: chargeReference(cause),
              cause,
              description: `${request.plan.name}, provisioning retried`
            },
            states.wallet
          )
    const quota = yield* decideQuota(
      { _tag: "TakeSlot", subscriptionId: sub.subscriptionId, catalogCapacity: request.plan.totalQuota },
      states.quota
    )
    return { events: { wallet, quota, subscription, guard }, result: undefined }
  })
