import { Schema } from "effect"
import { SubscriptionEvent } from "../../domain/subscription/index.ts"
import type { RecordedEvent } from "../ports/eventStore.ts"
import { type SubscriptionView, withSeedNames } from "../ports/subscriptionQueries.ts"

const decode = Schema.decodeUnknownSync(SubscriptionEvent)

type Row = Omit<SubscriptionView, "nextBillingDate" | "startDate" | "endDate" | "nextBilling">

/** The subscriptions read model, one event at a time (the Postgres projector does the same in SQL). */
export const projectSubscriptionEvent = (
  view: SubscriptionView | undefined,
  recorded: RecordedEvent
): SubscriptionView => {
  const event = decode(recorded.data)
  const at = recorded.recordedAt
  const row: Row = view ?? {
    id: recorded.streamId.slice("subscription-".length),
    userId: "",
    serviceId: "",
    planId: "",
    planType: "FREE",
    monthlyPrice: 0,
    status: "PENDING_DEPLOYMENT",
    instanceName: "",
    instanceStatus: "PROVISIONING",
    autoRenew: true,
    periodStart: at,
    periodEnd: at,
    createdAt: at,
    updatedAt: at,
    cancelledAt: null,
    instanceError: null,
    provisioningStartedAt: at,
    displayName: "",
    renewalStatus: "ACTIVE",
    graceEndsAt: null,
    renewalAttemptedAt: null,
    suspendedAt: null,
    retentionEndsAt: null,
    freeMonthsLeft: 0,
    lastStartedAt: null,
    lastStoppedAt: null
  }
  const noGrace = { graceEndsAt: null, renewalAttemptedAt: null }
  const next = ((): Row => {
    switch (event._tag) {
      case "SubscriptionCreated":
        return {
          ...row,
          userId: event.userId,
          serviceId: event.serviceId,
          planId: event.plan.planId,
          planType: event.plan.planType,
          monthlyPrice: event.plan.monthlyPrice,
          instanceName: event.instanceName,
          displayName: event.instanceName,
          autoRenew: event.autoRenew,
          periodStart: event.periodStart,
          periodEnd: event.periodEnd
        }
      case "SubscriptionUpgraded":
        return { ...row, planId: event.to.planId, planType: event.to.planType, monthlyPrice: event.to.monthlyPrice }
      case "AutoRenewChanged":
        return { ...row, autoRenew: event.enabled }
      case "SubscriptionCancelled":
        return {
          ...row,
          ...noGrace,
          status: "CANCELLED",
          instanceStatus: "TERMINATED",
          autoRenew: false,
          cancelledAt: event.at,
          renewalStatus: "CANCELLED",
          lastStoppedAt: at
        }
      case "InstanceReconfigured":
        return { ...row, displayName: event.displayName ?? row.displayName }
      case "ProvisioningRetried":
        return {
          ...row,
          status: "PENDING_DEPLOYMENT",
          instanceStatus: "PROVISIONING",
          instanceError: null,
          cancelledAt: null,
          autoRenew: true,
          periodStart: event.periodStart,
          periodEnd: event.periodEnd,
          provisioningStartedAt: at,
          renewalStatus: "ACTIVE",
          graceEndsAt: null,
          renewalAttemptedAt: null,
          suspendedAt: null,
          retentionEndsAt: null
        }
      case "SubscriptionExtended":
        return {
          ...row,
          ...noGrace,
          periodEnd: event.periodEnd,
          renewalStatus: row.status === "SUSPENDED" ? row.renewalStatus : "ACTIVE"
        }
      case "SubscriptionExpired":
        return {
          ...row,
          ...noGrace,
          status: "EXPIRED",
          instanceStatus: "TERMINATED",
          autoRenew: false,
          cancelledAt: event.at,
          renewalStatus: "EXPIRED",
          lastStoppedAt: at
        }
      case "InstanceRunning":
        return { ...row, status: "ACTIVE", instanceStatus: "RUNNING", instanceError: null, lastStartedAt: at }
      case "InstanceProvisioningFailed":
        return {
          ...row,
          status: "FAILED",
          instanceStatus: "ERROR",
          autoRenew: false,
          instanceError: event.reason,
          renewalStatus: "CANCELLED"
        }
      case "InstanceTransitioned":
        return { ...row, instanceStatus: event.to, ...(event.to === "STOPPED" ? { lastStoppedAt: at } : {}) }
      case "FreeMonthsGranted":
        return { ...row, freeMonthsLeft: event.months }
      case "SubscriptionRenewed":
        return {
          ...row,
          ...noGrace,
          periodStart: event.periodStart,
          periodEnd: event.periodEnd,
          renewalStatus: "ACTIVE",
          freeMonthsLeft: Math.max(0, row.freeMonthsLeft - (event.freeMonth ? 1 : 0))
        }
      case "GracePeriodStarted":
        return { ...row, renewalStatus: "GRACE", graceEndsAt: event.graceEndsAt, renewalAttemptedAt: event.at }
      case "RenewalRetryFailed":
        return { ...row, renewalAttemptedAt: event.at }
      case "SubscriptionSuspended":
        return {
          ...row,
          ...noGrace,
          status: "SUSPENDED",
          instanceStatus: "SUSPENDED",
          renewalStatus: "SUSPENDED",
          suspendedAt: event.at,
          retentionEndsAt: event.retentionEndsAt,
          lastStoppedAt: at
        }
      case "SubscriptionReactivated":
        return {
          ...row,
          status: "ACTIVE",
          instanceStatus: "STARTING",
          renewalStatus: "ACTIVE",
          suspendedAt: null,
          retentionEndsAt: null,
          periodStart: event.periodStart,
          periodEnd: event.periodEnd
        }
    }
  })()
  const updated = { ...next, updatedAt: at }
  return withSeedNames({
    ...updated,
    nextBillingDate:
      updated.autoRenew && ["PENDING_DEPLOYMENT", "ACTIVE"].includes(updated.status) ? updated.periodEnd : null
  })
}
