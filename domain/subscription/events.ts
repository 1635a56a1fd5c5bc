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

/**
 * The subscription ended without refund: by an administrator (`by` = the admin's id), or by the
 * renewal scheduler (`by` = "system", `reason` one of `ExpiryReason`): auto-renew off at period
 * end, or suspended past the retention window. Slot and service released, resources removed.
 */
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

/**
 * FREE_SERVICE coupon: the plan at 0 rupiah for `months` months in all. The first is the period
 * the subscription was created with; renewals count the rest down (0-rupiah renewals on record).
 */
export const FreeMonthsGranted = Schema.TaggedStruct("FreeMonthsGranted", {
  couponCode: Schema.String,
  /** Free renewals still to come (the coupon's months minus the first period). */
  months: Schema.Int.pipe(Schema.nonNegative())
})

/**
 * The renewal scheduler charged (or, for a free month or a free plan, recorded at 0) the next
 * calendar month: the period moves to [periodStart, periodEnd). `periodStart` is the previous
 * period's end, also when the renewal succeeds late during grace (no free days, no double months).
 */
export const SubscriptionRenewed = Schema.TaggedStruct("SubscriptionRenewed", {
  at: Schema.String,
  periodStart: Schema.String,
  periodEnd: Schema.String,
  charged: Schema.Int.pipe(Schema.nonNegative()),
  chargeTransactionId: Schema.NullOr(Schema.String),
  /** true when a FREE_SERVICE month paid for it. */
  freeMonth: Schema.Boolean,
  /** true when it ended a grace period. */
  afterGrace: Schema.Boolean
})

/**
 * The period ended and the wallet could not pay the next month: the app keeps running until
 * `graceEndsAt` (period end + 7 days); the renewal is retried daily and after any credit.
 */
export const GracePeriodStarted = Schema.TaggedStruct("GracePeriodStarted", {
  at: Schema.String,
  /** The unpaid period's start (= the previous period's end). */
  periodStart: Schema.String,
  graceEndsAt: Schema.String,
  amountDue: Schema.Int.pipe(Schema.nonNegative()),
  balance: Schema.Int,
  shortfall: Schema.Int.pipe(Schema.nonNegative())
})

/** A daily retry during grace found too little credit (at most one a day). */
export const RenewalRetryFailed = Schema.TaggedStruct("RenewalRetryFailed", {
  at: Schema.String,
  graceEndsAt: Schema.String,
  amountDue: Schema.Int.pipe(Schema.nonNegative()),
  balance: Schema.Int,
  shortfall: Schema.Int.pipe(Schema.nonNegative())
})

/** Grace over without credit: instance scaled to 0 (data kept), quota slot released. */
export const SubscriptionSuspended = Schema.TaggedStruct("SubscriptionSuspended", {
  at: Schema.String,
  graceEndsAt: Schema.String,
  amountDue: Schema.Int.pipe(Schema.nonNegative()),
  /** After this the subscription expires and its resources (PVC included) are deleted. */
  retentionEndsAt: Schema.String
})

/** The owner paid a new calendar month from now: slot taken again, instance scaled back to 1. */
export const SubscriptionReactivated = Schema.TaggedStruct("SubscriptionReactivated", {
  at: Schema.String,
  periodStart: Schema.String,
  periodEnd: Schema.String,
  charged: Schema.Int.pipe(Schema.nonNegative()),
  chargeTransactionId: Schema.NullOr(Schema.String)
})

export const SubscriptionEvent = Schema.Union(
  FreeMonthsGranted,
  SubscriptionRenewed,
  GracePeriodStarted,
  RenewalRetryFailed,
  SubscriptionSuspended,
  SubscriptionReactivated,
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

/** The scheduler's reasons for SubscriptionExpired (stable strings: notifications key on them). */
export const ExpiryReason = {
  autoRenewOff: "AUTO_RENEW_OFF",
  retentionOver: "SUSPENSION_RETENTION_OVER"
} as const

/** The per-user-per-service guard: at most one active subscription (upgrade-only policy). */
export const ServiceClaimed = Schema.TaggedStruct("ServiceClaimed", { subscriptionId: Schema.String })
export const ServiceReleased = Schema.TaggedStruct("ServiceReleased", { subscriptionId: Schema.String })
export const ServiceGuardEvent = Schema.Union(ServiceClaimed, ServiceReleased)
export type ServiceGuardEvent = typeof ServiceGuardEvent.Type
