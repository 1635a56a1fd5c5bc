import { Either } from "effect"
import { InvalidCoupon } from "./errors.ts"
import type { CouponEvent, CouponType } from "./events.ts"
import type { CouponState, CouponTerms } from "./state.ts"

export interface CouponUse {
  readonly redemptionId: string
  readonly userId: string
  readonly now: string
  readonly expectedType: CouponType | ReadonlyArray<CouponType>
  /** For subscription coupons: the plan (and its service) being bought and its price. */
  readonly plan?: { readonly planId: string; readonly serviceId: string; readonly price: number } | undefined
}

/** What a coupon gives for a use: credit, or the discount on a first charge (never above the price). */
export const couponBenefit = (terms: CouponTerms, plan: CouponUse["plan"]): number => {
  switch (terms.type) {
    case "CREDIT_TOPUP":
      return terms.value
    case "SUBSCRIPTION_DISCOUNT": {
      const price = plan?.price ?? 0
      const off =
        terms.discountKind === "PERCENT" ? Math.floor((price * Math.min(100, terms.value)) / 100) : terms.value
      return Math.min(price, Math.max(0, off))
    }
    case "FREE_SERVICE":
      return plan?.price ?? 0
  }
}

/** Checks every rule of a coupon against its use count (under the stream's lock: never over-redeemed). */
export const decideCouponUse = (
  terms: CouponTerms,
  use: CouponUse,
  state: CouponState
): Either.Either<ReadonlyArray<CouponEvent>, InvalidCoupon> => {
  if (state.redemptions.has(use.redemptionId)) return Either.right([])
  return Either.map(ensureCouponUsable(terms, use, state), () => [
    {
      _tag: "CouponRedeemed",
      redemptionId: use.redemptionId,
      userId: use.userId,
      couponType: terms.type,
      amount: couponBenefit(terms, use.plan),
      subscriptionId: null,
      at: use.now
    }
  ])
}

/** Every rule of a coupon for a new use (a dry run has no redemption yet). */
export const ensureCouponUsable = (
  terms: CouponTerms,
  use: Omit<CouponUse, "redemptionId">,
  state: CouponState
): Either.Either<void, InvalidCoupon> => {
  const fail = (reason: InvalidCoupon["reason"]) => Either.left(new InvalidCoupon({ code: terms.code, reason }))
  const types = typeof use.expectedType === "string" ? [use.expectedType] : use.expectedType
  if (!types.includes(terms.type)) return fail("WRONG_TYPE")
  if (!terms.isActive) return fail("INACTIVE")
  if (terms.validFrom !== null && use.now < terms.validFrom) return fail("NOT_YET_VALID")
  if (terms.validUntil !== null && use.now > terms.validUntil) return fail("EXPIRED")
  if (terms.maxUses !== null && state.uses >= terms.maxUses) return fail("USED_UP")
  if ((state.usesByUser.get(use.userId) ?? 0) >= terms.maxUsesPerUser) return fail("ALREADY_USED")
  if (terms.type === "FREE_SERVICE" && use.plan?.planId !== terms.freePlanId) return fail("NOT_FOR_THIS_PLAN")
  if (terms.type === "SUBSCRIPTION_DISCOUNT" && use.plan !== undefined) {
    const servicesOk = terms.serviceIds.length === 0 || terms.serviceIds.includes(use.plan.serviceId)
    const plansOk = terms.planIds.length === 0 || terms.planIds.includes(use.plan.planId)
    if (!servicesOk || !plansOk) return fail("NOT_FOR_THIS_PLAN")
  }
  return Either.void
}
