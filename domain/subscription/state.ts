import type { PlanTerms } from "./events.ts"

/**
 * ACTIVE holds a slot and the user's place on the service (also during grace); SUSPENDED keeps
 * the place (and the data) but no slot; FAILED, CANCELLED and EXPIRED hold nothing.
 */
export type SubscriptionStatus = "NONE" | "ACTIVE" | "SUSPENDED" | "FAILED" | "CANCELLED" | "EXPIRED"

export type InstanceStatus =
  | "NONE"
  | "PROVISIONING"
  | "RUNNING"
  | "STOPPING"
  | "STOPPED"
  | "STARTING"
  | "RESTARTING"
  | "SUSPENDED"
  | "ERROR"
  | "TERMINATED"

/** What API.md calls `renewalStatus`. */
export type RenewalStatus = "ACTIVE" | "GRACE" | "SUSPENDED" | "EXPIRED" | "CANCELLED"

export interface ChargeHeld {
  readonly transactionId: string
  readonly amount: number
}

export interface SubscriptionState {
  readonly status: SubscriptionStatus
  readonly subscriptionId: string
  readonly userId: string
  readonly serviceId: string
  readonly plan: PlanTerms | undefined
  readonly periodStart: string
  readonly periodEnd: string
  readonly autoRenew: boolean
  /** Charges of the current period (first charge, upgrades), oldest first. */
  readonly periodCharges: ReadonlyArray<ChargeHeld>
  readonly upgrades: ReadonlySet<string>
  readonly instanceStatus: InstanceStatus
  /** Set while the period is over and unpaid (grace); cleared by a renewal, an extension or an end. */
  readonly graceEndsAt: string | undefined
  /** The last renewal attempt that found too little credit (grace start or daily retry). */
  readonly lastRenewalAttemptAt: string | undefined
  readonly suspendedAt: string | undefined
  readonly retentionEndsAt: string | undefined
  /** FREE_SERVICE renewals still to come. */
  readonly freeMonthsLeft: number
}

export const noSubscription: SubscriptionState = {
  status: "NONE",
  subscriptionId: "",
  userId: "",
  serviceId: "",
  plan: undefined,
  periodStart: "",
  periodEnd: "",
  autoRenew: true,
  periodCharges: [],
  upgrades: new Set(),
  instanceStatus: "NONE",
  graceEndsAt: undefined,
  lastRenewalAttemptAt: undefined,
  suspendedAt: undefined,
  retentionEndsAt: undefined,
  freeMonthsLeft: 0
}

export const renewalStatusOf = (state: Pick<SubscriptionState, "status" | "graceEndsAt">): RenewalStatus =>
  state.status === "SUSPENDED" || state.status === "EXPIRED"
    ? state.status
    : state.status === "CANCELLED" || state.status === "FAILED"
      ? "CANCELLED"
      : state.graceEndsAt !== undefined
        ? "GRACE"
        : "ACTIVE"

/** The guard's state: the subscription holding the user's place on a service, if any. */
export interface ServiceGuardState {
  readonly holder: string | undefined
}
