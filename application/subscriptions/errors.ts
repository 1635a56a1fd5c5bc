import { Schema } from "effect"

export class SubscriptionNotFound extends Schema.TaggedError<SubscriptionNotFound>()("SubscriptionNotFound", {
  subscriptionId: Schema.String
}) {}

export class PlanNotAvailable extends Schema.TaggedError<PlanNotAvailable>()("PlanNotAvailable", {
  planId: Schema.String
}) {}

/** Coupons arrive with their own aggregate; until then a coupon code is refused, never ignored. */
export class CouponsNotYetAvailable extends Schema.TaggedError<CouponsNotYetAvailable>()("CouponsNotYetAvailable", {
  couponCode: Schema.String
}) {}
