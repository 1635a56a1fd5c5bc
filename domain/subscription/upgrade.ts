import { Either } from "effect"
import { chargeReference, decideWallet, type WalletError, type WalletEvent, type WalletState } from "../ledger/index.ts"
import { decideQuota, type QuotaError, type QuotaEvent, type QuotaState } from "../quota/index.ts"
import type { Outcome } from "../shared/index.ts"
import { decideSubscription } from "./decide.ts"
import type { SubscriptionError } from "./errors.ts"
import type { SubscriptionEvent } from "./events.ts"
import type { SubscriptionState } from "./state.ts"
import type { PlanOnSale } from "./subscribe.ts"

export interface UpgradeStates {
  readonly wallet: WalletState
  /** The current plan's quota (a slot released) and the new plan's (a slot taken). */
  readonly oldQuota: QuotaState
  readonly newQuota: QuotaState
  readonly subscription: SubscriptionState
}

export interface UpgradeRequest {
  readonly upgradeId: string
  readonly to: PlanOnSale
  readonly now: string
  readonly chargeTransactionId: string
  /** An administrator's upgrade: nothing charged. */
  readonly bonus: boolean
}

export interface UpgradeEvents {
  readonly wallet: ReadonlyArray<WalletEvent>
  readonly oldQuota: ReadonlyArray<QuotaEvent>
  readonly newQuota: ReadonlyArray<QuotaEvent>
  readonly subscription: ReadonlyArray<SubscriptionEvent>
}

/**
 * A higher tier of the same service: prorated charge (rounded down) under the upgrade's own
 * reference, new slot taken and old released with the charge, period end unchanged. The same
 * upgrade twice decides nothing.
 */
export const decideUpgrade = (
  states: UpgradeStates,
  request: UpgradeRequest
): Either.Either<Outcome<UpgradeEvents, void>, SubscriptionError | QuotaError | WalletError> =>
  Either.gen(function* () {
    const sub = states.subscription
    const subscription = yield* decideSubscription(
      {
        _tag: "Upgrade",
        upgradeId: request.upgradeId,
        to: { planId: request.to.id, planType: request.to.planType, monthlyPrice: request.to.monthlyPrice },
        now: request.now,
        chargeTransactionId: request.chargeTransactionId,
        bonus: request.bonus
      },
      sub
    )
    const upgraded = subscription[0]
    if (upgraded?._tag !== "SubscriptionUpgraded")
      return { events: { wallet: [], oldQuota: [], newQuota: [], subscription }, result: undefined }
    const oldQuota = yield* decideQuota({ _tag: "ReleaseSlot", subscriptionId: sub.subscriptionId }, states.oldQuota)
    const newQuota = yield* decideQuota(
      { _tag: "TakeSlot", subscriptionId: sub.subscriptionId, catalogCapacity: request.to.totalQuota },
      states.newQuota
    )
    const cause = { _tag: "Upgrade" as const, subscriptionId: sub.subscriptionId, upgradeId: request.upgradeId }
    const wallet =
      upgraded.charged > 0
        ? yield* decideWallet(
            {
              _tag: "ChargeWallet",
              transactionId: request.chargeTransactionId,
              amount: upgraded.charged,
              reference: chargeReference(cause),
              cause,
              description: `Upgrade to ${request.to.name}, prorated`
            },
            states.wallet
          )
        : request.bonus
          ? // A bonus upgrade is a free grant on record: a 0-rupiah line in the history.
            yield* decideWallet(
              {
                _tag: "RecordFreeGrant",
                transactionId: request.chargeTransactionId,
                reference: chargeReference(cause),
                cause,
                reason: "BONUS",
                description: `Upgrade to ${request.to.name}, free (bonus upgrade)`
              },
              states.wallet
            )
          : []
    return { events: { wallet, oldQuota, newQuota, subscription }, result: undefined }
  })
