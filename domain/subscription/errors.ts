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

export class InvalidInstanceTransition extends Schema.TaggedError<InvalidInstanceTransition>()(
  "InvalidInstanceTransition",
  {
    from: Schema.String,
    to: Schema.String
  }
) {}

/** Upgrades wait until an overdue renewal is paid: the period being upgraded is not paid for. */
export class RenewalOverdue extends Schema.TaggedError<RenewalOverdue>()("RenewalOverdue", {
  subscriptionId: Schema.String,
  graceEndsAt: Schema.String
}) {}

export class NotReactivatable extends Schema.TaggedError<NotReactivatable>()("NotReactivatable", {
  subscriptionId: Schema.String,
  status: Schema.String,
  reason: Schema.String
}) {}

export type SubscriptionError =
  DuplicateSubscription | UpgradeRequired | SubscriptionNotActive | InvalidInstanceTransition | RenewalOverdue
