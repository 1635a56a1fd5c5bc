import { Either } from "effect"
import { chargeReference, decideWallet, type WalletError, type WalletEvent, type WalletState } from "../ledger/index.ts"
import { decideQuota, type QuotaError, type QuotaEvent, type QuotaState } from "../quota/index.ts"
import { addMonths } from "../shared/index.ts"
import { NotReactivatable } from "./errors.ts"
import { ExpiryReason, type ServiceGuardEvent, type SubscriptionEvent } from "./events.ts"
import type { ServiceGuardState, SubscriptionState } from "./state.ts"
import { releaseService } from "./decide.ts"

const dayMs = 86_400_000
export const graceDays = 7

const plusDays = (iso: string, days: number) => new Date(Date.parse(iso) + days * dayMs).toISOString()

/** The aggregates one renewal decision reads, as of the lock taken for it. */
export interface RenewalStates {
  readonly subscription: SubscriptionState
  readonly wallet: WalletState
  readonly quota: QuotaState
  readonly guard: ServiceGuardState
}

/** What the decision appends to each stream, and what the cluster must do after the commit. */
export interface RenewalOutcome {
  readonly subscription: ReadonlyArray<SubscriptionEvent>
  readonly wallet: ReadonlyArray<WalletEvent>
  readonly quota: ReadonlyArray<QuotaEvent>
  readonly guard: ReadonlyArray<ServiceGuardEvent>
  readonly cluster: "none" | "scaleDown" | "scaleUp" | "remove"
}

const nothing: RenewalOutcome = { subscription: [], wallet: [], quota: [], guard: [], cluster: "none" }

/**
 * Why the renewal is looked at: the scheduler (daily retries in grace write a RenewalRetryFailed,
 * at most one a day), or credit that just reached the wallet (a failure then writes nothing).
 */
export type RenewalTrigger = "schedule" | "credit"

export interface RenewalContext {
  readonly now: string
  readonly trigger: RenewalTrigger
  /** Used only if the decision charges. */
  readonly chargeTransactionId: string
  readonly retentionDays: number
}

/** A subscription the scheduler has something to decide about at `now`. */
export const renewalIsDue = (s: SubscriptionState, now: string): boolean =>
  s.status === "SUSPENDED"
    ? s.retentionEndsAt !== undefined && now >= s.retentionEndsAt
    : s.status === "ACTIVE" && now >= s.periodEnd

const expire = (states: RenewalStates, now: string, reason: string, holdsSlot: boolean): RenewalOutcome => {
  const sub = states.subscription
  return {
    subscription: [{ _tag: "SubscriptionExpired", at: now, by: "system", reason }],
    wallet: [],
    quota: holdsSlot
      ? Either.getOrElse(
          decideQuota({ _tag: "ReleaseSlot", subscriptionId: sub.subscriptionId }, states.quota),
          () => []
        )
      : [],
    guard: releaseService(sub.subscriptionId, states.guard),
    cluster: "remove"
  }
}

/**
 * One renewal step of one subscription, pure. In order:
 * - SUSPENDED past its retention → EXPIRED (service released, resources removed);
 * - ACTIVE, period not over → nothing;
 * - auto-renew off → EXPIRED at period end (slot and service released, resources removed);
 * - a FREE_SERVICE month left, a free plan, or enough credit → SubscriptionRenewed from the old
 *   period end (in grace too: no free days, no double months), charged under the reference
 *   derived from subscription + period start, so the same period can never be charged twice;
 * - not enough credit: first time → grace until period end + 7 days; grace over → SUSPENDED
 *   (slot released, scaled to 0); otherwise a daily RenewalRetryFailed (schedule trigger only).
 * A step moves one period at most; the scheduler repeats it while the subscription stays due.
 */
export const decideRenewal = (
  states: RenewalStates,
  ctx: RenewalContext
): Either.Either<RenewalOutcome, WalletError> => {
  const sub = states.subscription
  const { now } = ctx
  if (sub.status === "SUSPENDED") {
    return Either.right(renewalIsDue(sub, now) ? expire(states, now, ExpiryReason.retentionOver, false) : nothing)
  }
  if (sub.status !== "ACTIVE" || sub.plan === undefined || now < sub.periodEnd) return Either.right(nothing)
  if (!sub.autoRenew) return Either.right(expire(states, now, ExpiryReason.autoRenewOff, true))

  const price = sub.plan.monthlyPrice
  const freeMonth = sub.freeMonthsLeft > 0 && price > 0
  const amount = freeMonth ? 0 : price
  const periodStart = sub.periodEnd
  if (amount <= states.wallet.balance) {
    const cause = { _tag: "SubscriptionPeriod" as const, subscriptionId: sub.subscriptionId, periodStart }
    const reference = chargeReference(cause)
    const description = `Renewal ${periodStart.slice(0, 10)} – ${addMonths(periodStart, 1).slice(0, 10)}`
    // A FREE_SERVICE month is a free grant on record: a 0-rupiah line in the history.
    const charge =
      amount === 0
        ? freeMonth
          ? decideWallet(
              {
                _tag: "RecordFreeGrant",
                transactionId: ctx.chargeTransactionId,
                reference,
                cause,
                reason: "FREE_SERVICE",
                description: `${description}, free (FREE_SERVICE coupon)`
              },
              states.wallet
            )
          : Either.right([])
        : decideWallet(
            { _tag: "ChargeWallet", transactionId: ctx.chargeTransactionId, amount, reference, cause, description },
            states.wallet
          )
    return Either.map(charge, (wallet) => ({
      ...nothing,
      wallet,
      subscription: [
        {
          _tag: "SubscriptionRenewed",
          at: now,
          periodStart,
          periodEnd: addMonths(periodStart, 1),
          charged: amount,
          // A period charged already (cannot happen while the two travel together) is not charged again.
          chargeTransactionId:
            amount === 0 ? null : (wallet[0]?.transactionId ?? states.wallet.applied.get(reference) ?? null),
          freeMonth,
          afterGrace: sub.graceEndsAt !== undefined
        }
      ]
    }))
  }
  const due = { amountDue: amount, balance: states.wallet.balance, shortfall: amount - states.wallet.balance }
  if (sub.graceEndsAt === undefined) {
    return Either.right({
      ...nothing,
      subscription: [
        { _tag: "GracePeriodStarted", at: now, periodStart, graceEndsAt: plusDays(periodStart, graceDays), ...due }
      ]
    })
  }
  if (now >= sub.graceEndsAt) {
    return Either.right({
      subscription: [
        {
          _tag: "SubscriptionSuspended",
          at: now,
          graceEndsAt: sub.graceEndsAt,
          amountDue: amount,
          retentionEndsAt: plusDays(now, ctx.retentionDays)
        }
      ],
      wallet: [],
      quota: Either.getOrElse(
        decideQuota({ _tag: "ReleaseSlot", subscriptionId: sub.subscriptionId }, states.quota),
        () => []
      ),
      guard: [],
      cluster: "scaleDown"
    })
  }
  const retriedToday =
    sub.lastRenewalAttemptAt !== undefined && Date.parse(now) - Date.parse(sub.lastRenewalAttemptAt) < dayMs
  if (ctx.trigger === "credit" || retriedToday) return Either.right(nothing)
  return Either.right({
    ...nothing,
    subscription: [{ _tag: "RenewalRetryFailed", at: now, graceEndsAt: sub.graceEndsAt, ...due }]
  })
}

export interface ReactivationContext {
  readonly now: string
  readonly chargeTransactionId: string
  /** The catalog's capacity, while the quota stream records none. */
  readonly catalogCapacity: number
}

/**
 * The owner brings a SUSPENDED subscription back within its retention window: a new calendar
 * month from now is charged, a quota slot taken, the instance scaled back to 1.
 */
export const decideReactivation = (
  states: RenewalStates,
  ctx: ReactivationContext
): Either.Either<RenewalOutcome, NotReactivatable | WalletError | QuotaError> =>
  Either.gen(function* () {
    const sub = states.subscription
    if (sub.status !== "SUSPENDED" || sub.plan === undefined) {
      return yield* Either.left(
        new NotReactivatable({
          subscriptionId: sub.subscriptionId,
          status: sub.status,
          reason: "only a suspended subscription can be reactivated"
        })
      )
    }
    if (sub.retentionEndsAt !== undefined && ctx.now >= sub.retentionEndsAt) {
      return yield* Either.left(
        new NotReactivatable({
          subscriptionId: sub.subscriptionId,
          status: sub.status,
          reason: "the retention window is over"
        })
      )
    }
    const amount = sub.plan.monthlyPrice
    const cause = { _tag: "SubscriptionPeriod" as const, subscriptionId: sub.subscriptionId, periodStart: ctx.now }
    const wallet =
      amount === 0
        ? []
        : yield* decideWallet(
            {
              _tag: "ChargeWallet",
              transactionId: ctx.chargeTransactionId,
              amount,
              reference: chargeReference(cause),
              cause,
              description: `Reactivation ${ctx.now.slice(0, 10)} – ${addMonths(ctx.now, 1).slice(0, 10)}`
            },
            states.wallet
          )
    const quota = yield* decideQuota(
      { _tag: "TakeSlot", subscriptionId: sub.subscriptionId, catalogCapacity: ctx.catalogCapacity },
      states.quota
    )
    return {
      subscription: [
        {
          _tag: "SubscriptionReactivated",
          at: ctx.now,
          periodStart: ctx.now,
          periodEnd: addMonths(ctx.now, 1),
          charged: amount,
          chargeTransactionId: amount === 0 ? null : ctx.chargeTransactionId
        }
      ],
      wallet,
      quota,
      guard: [],
      cluster: "scaleUp"
    }
  })
