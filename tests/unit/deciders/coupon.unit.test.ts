import { describe, expect, it } from "vitest"
import {
  type CouponEvent,
  couponBenefit,
  type CouponState,
  type CouponTerms,
  type CouponUse,
  decideCouponUse,
  evolveCoupon,
  InvalidCoupon,
  unusedCoupon
} from "../../../domain/coupon/index.ts"
import { deciderSpecification } from "../../support/deciderSpecification.ts"

/** The coupon decider's command is a use of the coupon under its terms (the terms live in the admin table). */
interface UseCoupon {
  readonly terms: CouponTerms
  readonly use: CouponUse
}
const { given } = deciderSpecification({
  decide: (command: UseCoupon, state: CouponState) => decideCouponUse(command.terms, command.use, state),
  evolve: evolveCoupon,
  initialState: unusedCoupon
})

const credit: CouponTerms = {
  code: "WELCOME",
  type: "CREDIT_TOPUP",
  isActive: true,
  validFrom: null,
  validUntil: null,
  maxUses: null,
  maxUsesPerUser: 1,
  value: 25_000,
  discountKind: null,
  serviceIds: [],
  planIds: [],
  freePlanId: null,
  freeMonths: null
}
const percent: CouponTerms = {
  ...credit,
  code: "HALF",
  type: "SUBSCRIPTION_DISCOUNT",
  value: 50,
  discountKind: "PERCENT"
}
const fixed: CouponTerms = { ...percent, code: "TENK", value: 10_000, discountKind: "FIXED" }
const free: CouponTerms = {
  ...credit,
  code: "FREE3",
  type: "FREE_SERVICE",
  value: 0,
  freePlanId: "plan-basic",
  freeMonths: 3
}
const basic = { planId: "plan-basic", serviceId: "svc-ghost", price: 45_000 }
const now = "2026-11-01T10:00:00.000Z"

const use = (terms: CouponTerms, overrides: Partial<CouponUse> = {}): UseCoupon => ({
  terms,
  use: {
    redemptionId: "r9",
    userId: "u1",
    now,
    expectedType: terms.type,
    plan: terms.type === "CREDIT_TOPUP" ? undefined : basic,
    ...overrides
  }
})
const redeemed = (
  userId: string,
  redemptionId: string,
  couponType: CouponTerms["type"] = "CREDIT_TOPUP",
  amount = 25_000
): CouponEvent => ({
  _tag: "CouponRedeemed",
  redemptionId,
  userId,
  couponType,
  amount,
  subscriptionId: null,
  at: now
})
const refused = (terms: CouponTerms, reason: InvalidCoupon["reason"]) => new InvalidCoupon({ code: terms.code, reason })

describe("coupon decider: using a coupon", () => {
  it("redeems a credit coupon for its value", () =>
    given([])
      .when(use(credit))
      .then([redeemed("u1", "r9")]))
  it("replays a redemption already recorded to nothing", () =>
    given([redeemed("u1", "r9")])
      .when(use(credit))
      .then([]))

  it("accepts any of several expected types, and refuses the others", () => {
    given([])
      .when(use(credit, { expectedType: ["SUBSCRIPTION_DISCOUNT", "CREDIT_TOPUP"] }))
      .then([redeemed("u1", "r9")])
    given([])
      .when(use(credit, { expectedType: "FREE_SERVICE" }))
      .then(refused(credit, "WRONG_TYPE"))
  })

  it("refuses an inactive coupon", () =>
    given([])
      .when(use({ ...credit, isActive: false }))
      .then(refused(credit, "INACTIVE")))

  it("is valid from its first instant to its last, inclusive", () => {
    const window = { ...credit, validFrom: now, validUntil: "2026-11-30T23:59:59.999Z" }
    given([])
      .when(use(window))
      .then([redeemed("u1", "r9")])
    given([])
      .when(use(window, { now: "2026-11-30T23:59:59.999Z" }))
      .then([{ ...redeemed("u1", "r9"), at: "2026-11-30T23:59:59.999Z" } as CouponEvent])
    given([])
      .when(use(window, { now: "2026-11-01T09:59:59.999Z" }))
      .then(refused(credit, "NOT_YET_VALID"))
    given([])
      .when(use(window, { now: "2026-12-01T00:00:00.000Z" }))
      .then(refused(credit, "EXPIRED"))
  })

  it("stops at its total uses, counting every user", () => {
    const twice = { ...credit, maxUses: 2 }
    given([redeemed("u2", "r1")])
      .when(use(twice))
      .then([redeemed("u1", "r9")])
    given([redeemed("u2", "r1"), redeemed("u3", "r2")])
      .when(use(twice))
      .then(refused(credit, "USED_UP"))
  })

  it("allows each user up to maxUsesPerUser uses, not one more", () => {
    const three = { ...credit, maxUsesPerUser: 3 }
    given([redeemed("u1", "r1"), redeemed("u1", "r2"), redeemed("u2", "r3")])
      .when(use(three))
      .then([redeemed("u1", "r9")])
    given([redeemed("u1", "r1"), redeemed("u1", "r2"), redeemed("u1", "r3")])
      .when(use(three))
      .then(refused(credit, "ALREADY_USED"))
    given([redeemed("u1", "r1")])
      .when(use(credit))
      .then(refused(credit, "ALREADY_USED"))
  })

  it("gives a FREE_SERVICE coupon's plan for free, and only that plan", () => {
    given([])
      .when(use(free))
      .then([redeemed("u1", "r9", "FREE_SERVICE", 45_000)])
    given([])
      .when(use(free, { plan: { ...basic, planId: "plan-pro" } }))
      .then(refused(free, "NOT_FOR_THIS_PLAN"))
  })

  it("limits a discount to its services and plans", () => {
    given([])
      .when(use({ ...percent, serviceIds: ["svc-ghost"], planIds: ["plan-basic"] }))
      .then([redeemed("u1", "r9", "SUBSCRIPTION_DISCOUNT", 22_500)])
    given([])
      .when(use({ ...percent, serviceIds: ["svc-n8n"] }))
      .then(refused(percent, "NOT_FOR_THIS_PLAN"))
    given([])
      .when(use({ ...percent, planIds: ["plan-pro"] }))
      .then(refused(percent, "NOT_FOR_THIS_PLAN"))
  })

  it("checks a discount's plan rules only once a plan is known (redeem before subscribing)", () => {
    given([])
      .when(use({ ...percent, planIds: ["plan-pro"] }, { plan: undefined }))
      .then([redeemed("u1", "r9", "SUBSCRIPTION_DISCOUNT", 0)])
  })
})

describe("coupon benefit", () => {
  it("takes a percentage off, rounded down, never above 100 %", () => {
    expect(couponBenefit(percent, { ...basic, price: 45_001 })).toBe(22_500)
    expect(couponBenefit({ ...percent, value: 150 }, basic)).toBe(45_000)
  })
  it("takes a FIXED amount off, never more than the price and never negative", () => {
    expect(couponBenefit(fixed, basic)).toBe(10_000)
    expect(couponBenefit({ ...fixed, value: 60_000 }, basic)).toBe(45_000)
    expect(couponBenefit({ ...fixed, value: -5 }, basic)).toBe(0)
  })
  it("gives credit coupons their value and free plans their price", () => {
    expect(couponBenefit(credit, undefined)).toBe(25_000)
    expect(couponBenefit(free, basic)).toBe(45_000)
    expect(couponBenefit(free, undefined)).toBe(0)
    expect(couponBenefit(percent, undefined)).toBe(0)
  })
})

describe("coupon evolve", () => {
  it("counts uses in all and per user, and remembers redemptions", () => {
    const state = [redeemed("u1", "r1"), redeemed("u1", "r2"), redeemed("u2", "r3")].reduce(evolveCoupon, unusedCoupon)
    expect(state).toEqual({
      uses: 3,
      usesByUser: new Map([
        ["u1", 2],
        ["u2", 1]
      ]),
      redemptions: new Set(["r1", "r2", "r3"])
    })
  })
})
