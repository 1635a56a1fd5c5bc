import { Schema } from "effect"

export class SubscriptionNotFound extends Schema.TaggedError<SubscriptionNotFound>()("SubscriptionNotFound", {
  subscriptionId: Schema.String
}) {}

export class PlanNotAvailable extends Schema.TaggedError<PlanNotAvailable>()("PlanNotAvailable", {
  planId: Schema.String
}) {}
