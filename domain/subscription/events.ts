import { Schema } from "effect"

/** Tiers in ascending order (upgrades go up this list). */
export const PlanType = Schema.Literal("FREE", "BASIC", "PRO", "PREMIUM", "ENTERPRISE")
export type PlanType = typeof PlanType.Type

/** The plan facts a subscription keeps (prices are fixed at the time they were charged). */
export const PlanTerms = Schema.Struct({
  planId: Schema.String,
  planType: PlanType,
  monthlyPrice: Schema.Int.pipe(Schema.nonNegative())
})
export type PlanTerms = typeof PlanTerms.Type

export const SubscriptionCreated = Schema.TaggedStruct("SubscriptionCreated", {
  subscriptionId: Schema.String,
  userId: Schema.String,
  serviceId: Schema.String,
  plan: PlanTerms,
  /** What the first period cost after discounts; 0 for a free plan. */
  charged: Schema.Int.pipe(Schema.nonNegative()),
  chargeTransactionId: Schema.NullOr(Schema.String),
  periodStart: Schema.String,
  periodEnd: Schema.String,
  autoRenew: Schema.Boolean,
  instanceName: Schema.String
})

export const SubscriptionUpgraded = Schema.TaggedStruct("SubscriptionUpgraded", {
  upgradeId: Schema.String,
  from: PlanTerms,
  to: PlanTerms,
  charged: Schema.Int.pipe(Schema.nonNegative()),
  chargeTransactionId: Schema.NullOr(Schema.String)
})

export const AutoRenewChanged = Schema.TaggedStruct("AutoRenewChanged", { enabled: Schema.Boolean })

export const SubscriptionCancelled = Schema.TaggedStruct("SubscriptionCancelled", {
  at: Schema.String,
  by: Schema.String,
  reason: Schema.String,
  refunded: Schema.Int.pipe(Schema.nonNegative())
})

/** The instance's resources answered ready: RUNNING (subscription ACTIVE). */
export const InstanceRunning = Schema.TaggedStruct("InstanceRunning", { at: Schema.String })

/** Provisioning failed or timed out: resources cleaned, slot and service released, period refunded. */
export const InstanceProvisioningFailed = Schema.TaggedStruct("InstanceProvisioningFailed", {
  at: Schema.String,
  reason: Schema.String,
  refunded: Schema.Int.pipe(Schema.nonNegative())
})

export const InstanceTransitioned = Schema.TaggedStruct("InstanceTransitioned", {
  at: Schema.String,
  from: Schema.String,
  to: Schema.Literal("STOPPING", "STOPPED", "STARTING", "RESTARTING"),
  by: Schema.String
})

/** An administrator moved the period end (goodwill, outage credit). */
export const SubscriptionExtended = Schema.TaggedStruct("SubscriptionExtended", {
  periodEnd: Schema.String,
  by: Schema.String,
  reason: Schema.String
})

/** An administrator ended the subscription now, without refund. */
export const SubscriptionExpired = Schema.TaggedStruct("SubscriptionExpired", {
  at: Schema.String,
  by: Schema.String,
  reason: Schema.String
})

/** Provisioning again after a failure or a cancellation: a new period, charged like a new subscription. */
export const ProvisioningRetried = Schema.TaggedStruct("ProvisioningRetried", {
  at: Schema.String,
  charged: Schema.Int.pipe(Schema.nonNegative()),
  chargeTransactionId: Schema.NullOr(Schema.String),
  periodStart: Schema.String,
  periodEnd: Schema.String
})

/** The owner changed the instance's display name or environment (values are never in the log). */
export const InstanceReconfigured = Schema.TaggedStruct("InstanceReconfigured", {
  at: Schema.String,
  by: Schema.String,
  displayName: Schema.NullOr(Schema.String),
  envKeys: Schema.Array(Schema.String)
})

export const SubscriptionEvent = Schema.Union(
  InstanceReconfigured,
  ProvisioningRetried,
  SubscriptionExtended,
  SubscriptionExpired,
  SubscriptionCreated,
  SubscriptionUpgraded,
  AutoRenewChanged,
  SubscriptionCancelled,
  InstanceRunning,
  InstanceProvisioningFailed,
  InstanceTransitioned
)
export type SubscriptionEvent = typeof SubscriptionEvent.Type

/** The per-user-per-service guard: at most one active subscription (upgrade-only policy). */
export const ServiceClaimed = Schema.TaggedStruct("ServiceClaimed", { subscriptionId: Schema.String })
export const ServiceReleased = Schema.TaggedStruct("ServiceReleased", { subscriptionId: Schema.String })
export const ServiceGuardEvent = Schema.Union(ServiceClaimed, ServiceReleased)
export type ServiceGuardEvent = typeof ServiceGuardEvent.Type
