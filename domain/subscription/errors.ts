import { Schema } from "effect"

export class DuplicateSubscription extends Schema.TaggedError<DuplicateSubscription>()("DuplicateSubscription", {
  existingSubscriptionId: Schema.String,
  /** Plans of the same service above the current one: the upgrade path to offer instead. */
  upgradeOptions: Schema.Array(Schema.String)
}) {}

export class UpgradeRequired extends Schema.TaggedError<UpgradeRequired>()("UpgradeRequired", {
  currentPlanType: Schema.String,
  requestedPlanType: Schema.String
}) {}

export class SubscriptionNotActive extends Schema.TaggedError<SubscriptionNotActive>()("SubscriptionNotActive", {
  subscriptionId: Schema.String,
  status: Schema.String
}) {}

export class InvalidInstanceTransition extends Schema.TaggedError<InvalidInstanceTransition>()("InvalidInstanceTransition", {
  from: Schema.String,
  to: Schema.String
}) {}

export type SubscriptionError = DuplicateSubscription | UpgradeRequired | SubscriptionNotActive | InvalidInstanceTransition
