import { Effect } from "effect"
import { InvalidCoupon } from "../../domain/coupon/index.ts"
import { Coupons } from "../ports/coupons.ts"

/** Codes are matched without case or surrounding spaces. */
export const normalizeCode = (code: string) => code.trim().toUpperCase()

/**
 * The coupon's terms, or INVALID_COUPON (NOT_FOUND): the one coupon query other contexts use
 * (subscribe reads the terms before deciding over the coupon's stream).
 */
export const couponTerms = Effect.fn("Coupons.terms")(function* (code: string) {
  const coupon = yield* (yield* Coupons).byCode(normalizeCode(code))
  if (coupon === undefined) return yield* new InvalidCoupon({ code: normalizeCode(code), reason: "NOT_FOUND" })
  return coupon
})
