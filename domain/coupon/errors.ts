import { Schema } from "effect"

/** Why a coupon cannot be used; the reason is a stable code for clients. */
export class InvalidCoupon extends Schema.TaggedError<InvalidCoupon>()("InvalidCoupon", {
  code: Schema.String,
  reason: Schema.Literal(
    "NOT_FOUND",
    "INACTIVE",
    "NOT_YET_VALID",
    "EXPIRED",
    "USED_UP",
    "ALREADY_USED",
    "WRONG_TYPE",
    "NOT_FOR_THIS_PLAN"
  )
}) {}
