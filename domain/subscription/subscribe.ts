import { Either } from "effect"
import {
  type CouponEvent,
  type CouponState,
  type CouponTerms,
  couponBenefit,
  decideCouponUse,
  ensureCouponUsable,
  type InvalidCoupon,
  unusedCoupon
} from "../coupon/index.ts"
import {
  chargeReference,
  decideWallet,
  ensureAffordable,
  type WalletError,
  type WalletEvent,
  type WalletState
} from "../ledger/index.ts"
import { decideQuota, ensureSlotFree, type QuotaError, type QuotaEvent, type QuotaState } from "../quota/index.ts"
import type { Outcome } from "../shared/index.ts"
import { claimService, decideSubscription } from "./decide.ts"
import { DuplicateSubscription, type SubscriptionError } from "./errors.ts"
import type { PlanType, ServiceGuardEvent, SubscriptionEvent } from "./events.ts"
import { noSubscription, type ServiceGuardState } from "./state.ts"

/** The aggregates a subscribe reads, as of the lock taken for it (the coupon's only with a coupon). */
export interface SubscribeStates {
  readonly guard: ServiceGuardState
  readonly coupon?: CouponState
  readonly wallet: WalletState
  readonly quota: QuotaState
}

/** A catalog plan as a purchase sees it. */
export interface PlanOnSale {
  readonly id: string
  readonly name: string
  readonly planType: PlanType
  readonly monthlyPrice: number
  /** The catalog's capacity, while the quota stream records none. */
  readonly totalQuota: number
}

export interface SubscribeRequest {
  readonly userId: string
  readonly plan: PlanOnSale
  readonly service: { readonly id: string; readonly slug: string }
  readonly coupon: CouponTerms | undefined
  /** An administrator's bonus subscription: no charge, no coupon. */
  readonly bonus: boolean
  readonly instanceName: string | undefined
  readonly autoRenew: boolean
  readonly now: string
}

/** What the first month costs, and what the wallet holds before and after. */
export interface SubscribeQuote {
  readonly price: number
  readonly discount: number
  readonly balance: number
  readonly balanceAfter: number
}

export type SubscribeError = DuplicateSubscription | InvalidCoupon | WalletError | QuotaError | SubscriptionError

export interface SubscribeIds {
  readonly subscriptionId: string
  readonly chargeTransactionId: string
}

/** `<service slug>-<first 8 characters of the id>` when the user names none. */
export const defaultInstanceName = (serviceSlug: string, subscriptionId: string) =>
  `${serviceSlug}-${subscriptionId.slice(0, 8)}`

const couponUse = (request: SubscribeRequest) => ({
  userId: request.userId,
  now: request.now,
  expectedType: ["SUBSCRIPTION_DISCOUNT", "FREE_SERVICE"] as const,
  plan: { planId: request.plan.id, serviceId: request.service.id, price: request.plan.monthlyPrice }
})

/**
 * Every rule of a subscribe, in the order the decision applies them (one user per service,
 * coupon, credit for the price after the coupon, a free slot), without ids: what a dry run
 * reports and what `decideSubscribe` checks first.
 */
export const quoteSubscribe = (
  states: SubscribeStates,
  request: SubscribeRequest
): Either.Either<SubscribeQuote, SubscribeError> =>
  Either.gen(function* () {
    if (states.guard.holder !== undefined) {
      return yield* Either.left(
        new DuplicateSubscription({ existingSubscriptionId: states.guard.holder, upgradeOptions: [] })
      )
    }
    const use = couponUse(request)
    if (request.coupon !== undefined) yield* ensureCouponUsable(request.coupon, use, states.coupon ?? unusedCoupon)
    const discount = request.coupon === undefined ? 0 : couponBenefit(request.coupon, use.plan)
    const price = request.bonus ? 0 : request.plan.monthlyPrice - discount
    if (price > 0) yield* ensureAffordable(states.wallet, price)
    yield* ensureSlotFree(states.quota, request.plan.totalQuota)
    return { price, discount, balance: states.wallet.balance, balanceAfter: states.wallet.balance - price }
  })

export interface SubscribeEvents {
  readonly guard: ReadonlyArray<ServiceGuardEvent>
  readonly coupon: ReadonlyArray<CouponEvent>
  readonly wallet: ReadonlyArray<WalletEvent>
  readonly quota: ReadonlyArray<QuotaEvent>
  readonly subscription: ReadonlyArray<SubscriptionEvent>
}

/**
 * A new subscription across five aggregates: the user's place on the service claimed, the coupon
 * redeemed, the first month charged (price after coupon; a bonus or FREE_SERVICE month recorded as
 * a 0-rupiah free grant), a slot taken, the subscription created (with a FREE_SERVICE coupon's
 * further free months).
 */
export const decideSubscribe = (
  states: SubscribeStates,
  request: SubscribeRequest,
  ids: SubscribeIds
): Either.Either<Outcome<SubscribeEvents, SubscribeQuote>, SubscribeError> =>
  Either.gen(function* () {
    const quote = yield* quoteSubscribe(states, request)
    const { subscriptionId } = ids
    const guard = yield* claimService(subscriptionId, [], states.guard)
    const coupon =
      request.coupon === undefined
        ? []
        : (yield* decideCouponUse(
            request.coupon,
            { ...couponUse(request), redemptionId: subscriptionId },
            states.coupon ?? unusedCoupon
          )).map((e) => ({ ...e, subscriptionId }))
    const cause = { _tag: "SubscriptionPeriod" as const, subscriptionId, periodStart: request.now }
    const freeService = request.coupon?.type === "FREE_SERVICE" && coupon.length > 0 && !request.bonus
    // A bonus or FREE_SERVICE first month is a free grant on record: a 0-rupiah line in the history.
    const freeGrant =
      request.plan.monthlyPrice === 0
        ? undefined
        : request.bonus
          ? ("BONUS" as const)
          : freeService
            ? ("FREE_SERVICE" as const)
            : undefined
    const wallet =
      quote.price > 0
        ? yield* decideWallet(
            {
              _tag: "ChargeWallet",
              transactionId: ids.chargeTransactionId,
              amount: quote.price,
              reference: chargeReference(cause),
              cause,
              description: `${request.plan.name}, first month`
            },
            states.wallet
          )
        : freeGrant === undefined
          ? []
          : yield* decideWallet(
              {
                _tag: "RecordFreeGrant",
                transactionId: ids.chargeTransactionId,
                reference: chargeReference(cause),
                cause,
                reason: freeGrant,
                description: `${request.plan.name}, first month free (${freeGrant === "BONUS" ? "bonus subscription" : `FREE_SERVICE coupon ${request.coupon!.code}`})`
              },
              states.wallet
            )
    const quota = yield* decideQuota(
      { _tag: "TakeSlot", subscriptionId, catalogCapacity: request.plan.totalQuota },
      states.quota
    )
    const subscription = yield* decideSubscription(
      {
        _tag: "Subscribe",
        subscriptionId,
        userId: request.userId,
        serviceId: request.service.id,
        plan: { planId: request.plan.id, planType: request.plan.planType, monthlyPrice: request.plan.monthlyPrice },
        charged: quote.price,
        chargeTransactionId: quote.price > 0 ? ids.chargeTransactionId : null,
        now: request.now,
        autoRenew: request.autoRenew,
        instanceName: request.instanceName ?? defaultInstanceName(request.service.slug, subscriptionId),
        freeMonths: freeService
          ? { couponCode: request.coupon!.code, months: Math.max(0, (request.coupon!.freeMonths ?? 1) - 1) }
          : undefined
      },
      noSubscription
    )
    return { events: { guard, coupon, wallet, quota, subscription }, result: quote }
  })
