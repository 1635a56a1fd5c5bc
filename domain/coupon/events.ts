import { Schema } from "effect"

export const CouponType = Schema.Literal("CREDIT_TOPUP", "SUBSCRIPTION_DISCOUNT", "FREE_SERVICE")
export type CouponType = typeof CouponType.Type

export const CouponRedeemed = Schema.TaggedStruct("CouponRedeemed", {
  redemptionId: Schema.String,
  userId: Schema.String,
  couponType: CouponType,
  /** Credit granted, or discount given on the first charge. */
  amount: Schema.Int.pipe(Schema.nonNegative()),
  subscriptionId: Schema.NullOr(Schema.String),
  at: Schema.String
})

export const CouponEvent = Schema.Union(CouponRedeemed)
export type CouponEvent = typeof CouponEvent.Type
