import type { ServiceGuardEvent, SubscriptionEvent } from "./events.ts"
import type { ServiceGuardState, SubscriptionState } from "./state.ts"

const noGrace = { graceEndsAt: undefined, lastRenewalAttemptAt: undefined } as const

export const evolveSubscription = (state: SubscriptionState, event: SubscriptionEvent): SubscriptionState => {
  switch (event._tag) {
    case "SubscriptionCreated":
      return {
        ...state,
        status: "ACTIVE",
        subscriptionId: event.subscriptionId,
        userId: event.userId,
        serviceId: event.serviceId,
        plan: event.plan,
        periodStart: event.periodStart,
        periodEnd: event.periodEnd,
        autoRenew: event.autoRenew,
        periodCharges: event.chargeTransactionId
          ? [{ transactionId: event.chargeTransactionId, amount: event.charged }]
          : [],
        instanceStatus: "PROVISIONING"
      }
    case "SubscriptionUpgraded":
      return {
        ...state,
        plan: event.to,
        upgrades: new Set(state.upgrades).add(event.upgradeId),
        periodCharges: event.chargeTransactionId
          ? [...state.periodCharges, { transactionId: event.chargeTransactionId, amount: event.charged }]
          : state.periodCharges
      }
    case "AutoRenewChanged":
      return { ...state, autoRenew: event.enabled }
    case "SubscriptionCancelled":
      return { ...state, ...noGrace, status: "CANCELLED", autoRenew: false, instanceStatus: "TERMINATED" }
    case "InstanceReconfigured":
      return state
    case "ProvisioningRetried":
      return {
        ...state,
        ...noGrace,
        suspendedAt: undefined,
        retentionEndsAt: undefined,
        status: "ACTIVE",
        instanceStatus: "PROVISIONING",
        autoRenew: true,
        periodStart: event.periodStart,
        periodEnd: event.periodEnd,
        periodCharges: event.chargeTransactionId
          ? [{ transactionId: event.chargeTransactionId, amount: event.charged }]
          : []
      }
    case "SubscriptionExtended":
      // An extension ends a grace period: the scheduler decides afresh from the new period end.
      return { ...state, ...noGrace, periodEnd: event.periodEnd }
    case "SubscriptionExpired":
      return { ...state, ...noGrace, status: "EXPIRED", autoRenew: false, instanceStatus: "TERMINATED" }
    case "FreeMonthsGranted":
      return { ...state, freeMonthsLeft: event.months }
    case "SubscriptionRenewed":
      return {
        ...state,
        ...noGrace,
        periodStart: event.periodStart,
        periodEnd: event.periodEnd,
        periodCharges: event.chargeTransactionId
          ? [{ transactionId: event.chargeTransactionId, amount: event.charged }]
          : [],
        freeMonthsLeft: event.freeMonth ? Math.max(0, state.freeMonthsLeft - 1) : state.freeMonthsLeft
      }
    case "GracePeriodStarted":
      return { ...state, graceEndsAt: event.graceEndsAt, lastRenewalAttemptAt: event.at }
    case "RenewalRetryFailed":
      return { ...state, lastRenewalAttemptAt: event.at }
    case "SubscriptionSuspended":
      return {
        ...state,
        ...noGrace,
        status: "SUSPENDED",
        instanceStatus: "SUSPENDED",
        suspendedAt: event.at,
        retentionEndsAt: event.retentionEndsAt,
        periodCharges: []
      }
    case "SubscriptionReactivated":
      return {
        ...state,
        status: "ACTIVE",
        instanceStatus: "STARTING",
        suspendedAt: undefined,
        retentionEndsAt: undefined,
        periodStart: event.periodStart,
        periodEnd: event.periodEnd,
        periodCharges: event.chargeTransactionId
          ? [{ transactionId: event.chargeTransactionId, amount: event.charged }]
          : []
      }
    case "InstanceRunning":
      return { ...state, instanceStatus: "RUNNING" }
    case "InstanceProvisioningFailed":
      return { ...state, status: "FAILED", autoRenew: false, instanceStatus: "ERROR" }
    case "InstanceTransitioned":
      return { ...state, instanceStatus: event.to }
  }
}

export const replaySubscription = (
  initial: SubscriptionState,
  events: Iterable<SubscriptionEvent>
): SubscriptionState => {
  let state = initial
  for (const e of events) state = evolveSubscription(state, e)
  return state
}

export const evolveGuard = (state: ServiceGuardState, event: ServiceGuardEvent): ServiceGuardState =>
  event._tag === "ServiceClaimed"
    ? { holder: event.subscriptionId }
    : state.holder === event.subscriptionId
      ? { holder: undefined }
      : state

export const replayGuard = (events: Iterable<ServiceGuardEvent>): ServiceGuardState => {
  let state: ServiceGuardState = { holder: undefined }
  for (const e of events) state = evolveGuard(state, e)
  return state
}
