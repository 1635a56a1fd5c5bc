import { Either } from "effect"
import {
  adminRefundReference,
  cancellationRefundReference,
  decideWalletCommands,
  RefundExceedsCharge,
  type WalletCommand,
  type WalletError,
  type WalletEvent,
  type WalletState
} from "../ledger/index.ts"
import { decideQuota, type QuotaEvent, type QuotaState } from "../quota/index.ts"
import type { Outcome } from "../shared/index.ts"
import { decideSubscription, releaseService } from "./decide.ts"
import type { SubscriptionError } from "./errors.ts"
import type { ServiceGuardEvent, SubscriptionEvent } from "./events.ts"
import { refundAllocation } from "./proration.ts"
import type { ServiceGuardState, SubscriptionState } from "./state.ts"

/** A period has at most this many charges: the first month and one upgrade per higher tier. */
export const maxChargesPerPeriod = 5

/** The aggregates a subscription's end touches. */
export interface EndingStates {
  readonly wallet: WalletState
  readonly quota: QuotaState
  readonly subscription: SubscriptionState
  readonly guard: ServiceGuardState
}

export interface EndingEvents {
  readonly wallet: ReadonlyArray<WalletEvent>
  readonly quota: ReadonlyArray<QuotaEvent>
  readonly subscription: ReadonlyArray<SubscriptionEvent>
  readonly guard: ReadonlyArray<ServiceGuardEvent>
}

/** A suspended subscription released its slot when it was suspended. */
const releaseSlot = (states: Pick<EndingStates, "quota" | "subscription">) =>
  states.subscription.status === "SUSPENDED"
    ? []
    : Either.getOrElse(
        decideQuota({ _tag: "ReleaseSlot", subscriptionId: states.subscription.subscriptionId }, states.quota),
        () => []
      )

export interface CancelRequest {
  readonly now: string
  readonly by: string
  readonly reason: string
  readonly refund: "prorated" | "none" | "full"
  /** Taken before the transaction, one per possible charge (maxChargesPerPeriod). */
  readonly refundTransactionIds: ReadonlyArray<string>
}

/** Cancel now: slot and service released, the unused part of the period refunded (rounded up). */
export const decideCancel = (
  states: EndingStates,
  request: CancelRequest
): Either.Either<Outcome<EndingEvents, void>, SubscriptionError | WalletError> =>
  Either.gen(function* () {
    const sub = states.subscription
    const refundable = sub.periodCharges.map((c) => ({
      transactionId: c.transactionId,
      amount: c.amount - (states.wallet.charges.get(c.transactionId)?.refunded ?? 0)
    }))
    const subscription = yield* decideSubscription(
      { _tag: "Cancel", now: request.now, by: request.by, reason: request.reason, refund: request.refund, refundable },
      sub
    )
    const cancelled = subscription[0]
    const refunded = cancelled?._tag === "SubscriptionCancelled" ? cancelled.refunded : 0
    const refunds = refundAllocation(refunded, refundable).map((r, i): WalletCommand => ({
      _tag: "RefundCharge",
      transactionId: request.refundTransactionIds[i]!,
      amount: r.amount,
      reference: cancellationRefundReference(sub.subscriptionId, r.transactionId),
      chargeTransactionId: r.transactionId,
      reason: `Cancellation of ${sub.subscriptionId}: ${request.reason}`
    }))
    const wallet = yield* decideWalletCommands(refunds, states.wallet)
    return {
      events: {
        wallet,
        quota: releaseSlot(states),
        subscription,
        guard: releaseService(sub.subscriptionId, states.guard)
      },
      result: undefined
    }
  })

export interface ExpireRequest {
  readonly now: string
  readonly by: string
  readonly reason: string
}

/** Ends a subscription now without refund: slot (unless suspended) and service released. */
export const decideExpiry = (
  states: Omit<EndingStates, "wallet">,
  request: ExpireRequest
): Either.Either<Outcome<Omit<EndingEvents, "wallet">, void>, SubscriptionError> =>
  Either.map(decideSubscription({ _tag: "Expire", ...request }, states.subscription), (subscription) => ({
    events: {
      quota: releaseSlot(states),
      subscription,
      guard: releaseService(states.subscription.subscriptionId, states.guard)
    },
    result: undefined
  }))

export interface AdminRefundRequest {
  readonly amount: number
  readonly reason: string
  /** Taken before the transaction, one per possible charge (maxChargesPerPeriod). */
  readonly refundTransactionIds: ReadonlyArray<string>
}

export interface RefundLine {
  readonly transactionId: string
  readonly amount: number
}

/** Part of what the current period was charged, newest charge first, never beyond it. */
export const decideAdminRefund = (
  states: Pick<EndingStates, "wallet" | "subscription">,
  request: AdminRefundRequest
): Either.Either<Outcome<Pick<EndingEvents, "wallet">, ReadonlyArray<RefundLine>>, WalletError> => {
  const sub = states.subscription
  let left = request.amount
  const refunds: Array<WalletCommand & { readonly _tag: "RefundCharge" }> = []
  for (const [i, charge] of [...sub.periodCharges].reverse().entries()) {
    const record = states.wallet.charges.get(charge.transactionId)
    const part = Math.min(left, record ? record.amount - record.refunded : 0)
    if (part <= 0) continue
    const transactionId = request.refundTransactionIds[i]!
    refunds.push({
      _tag: "RefundCharge",
      transactionId,
      amount: part,
      reference: adminRefundReference(transactionId),
      chargeTransactionId: charge.transactionId,
      reason: request.reason
    })
    left -= part
  }
  if (left > 0) {
    return Either.left(
      new RefundExceedsCharge({
        chargeTransactionId: sub.periodCharges.at(-1)?.transactionId ?? "-",
        requested: request.amount,
        refundable: request.amount - left
      })
    )
  }
  return Either.map(decideWalletCommands(refunds, states.wallet), (wallet) => ({
    events: { wallet },
    result: refunds.map((r) => ({ transactionId: r.transactionId, amount: r.amount }))
  }))
}
