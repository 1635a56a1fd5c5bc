import { Schema } from "effect"

/** The languages MinisPod writes in; Indonesian is the default. */
export const Locale = Schema.Literal("id", "en")
export type Locale = typeof Locale.Type

const Rupiah = Schema.Int
const Instant = Schema.String // ISO-8601 UTC
const Subject = {
  serviceName: Schema.String,
  instanceName: Schema.String
}

/** What each notification says, tagged with its kind; stored as the outbox row's `params`. */
export const Welcome = Schema.TaggedStruct("welcome", { name: Schema.String })
export const TopUpSettled = Schema.TaggedStruct("topup_settled", { amount: Rupiah, transactionId: Schema.String })
export const SubscriptionCreated = Schema.TaggedStruct("subscription_created", {
  ...Subject,
  planName: Schema.String,
  charged: Rupiah,
  periodEnd: Instant
})
export const ServiceReady = Schema.TaggedStruct("service_ready", { ...Subject, subscriptionId: Schema.String })
export const RenewalSucceeded = Schema.TaggedStruct("renewal_succeeded", {
  ...Subject,
  charged: Rupiah,
  periodEnd: Instant
})
export const LowCredit = Schema.TaggedStruct("low_credit", {
  ...Subject,
  amountDue: Rupiah,
  balance: Rupiah,
  renewalAt: Instant
})
export const GraceStarted = Schema.TaggedStruct("grace_started", {
  ...Subject,
  amountDue: Rupiah,
  graceEndsAt: Instant
})
export const GraceReminder = Schema.TaggedStruct("grace_reminder", {
  ...Subject,
  amountDue: Rupiah,
  graceEndsAt: Instant,
  daysLeft: Schema.Int
})
export const Suspended = Schema.TaggedStruct("suspended", { ...Subject, retentionEndsAt: Schema.NullOr(Instant) })
export const Expiring = Schema.TaggedStruct("expiring", { ...Subject, periodEnd: Instant })
export const Expired = Schema.TaggedStruct("expired", { ...Subject })
export const ProvisioningFailed = Schema.TaggedStruct("provisioning_failed", { ...Subject, refunded: Rupiah })

export const NotificationContent = Schema.Union(
  Welcome,
  TopUpSettled,
  SubscriptionCreated,
  ServiceReady,
  RenewalSucceeded,
  LowCredit,
  GraceStarted,
  GraceReminder,
  Suspended,
  Expiring,
  Expired,
  ProvisioningFailed
)
export type NotificationContent = typeof NotificationContent.Type
export type NotificationKind = NotificationContent["_tag"]

export const notificationKinds = [
  "welcome",
  "topup_settled",
  "subscription_created",
  "service_ready",
  "renewal_succeeded",
  "low_credit",
  "grace_started",
  "grace_reminder",
  "suspended",
  "expiring",
  "expired",
  "provisioning_failed"
] as const satisfies ReadonlyArray<NotificationKind>
