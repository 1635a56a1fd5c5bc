import type { PlanTerms } from "./events.ts"

/** ACTIVE holds a slot and the user's place on the service; FAILED and CANCELLED hold nothing. */
export type SubscriptionStatus = "NONE" | "ACTIVE" | "FAILED" | "CANCELLED" | "EXPIRED"

export type InstanceStatus = "NONE" | "PROVISIONING" | "RUNNING" | "STOPPING" | "STOPPED" | "STARTING" | "RESTARTING" | "ERROR" | "TERMINATED"

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
  instanceStatus: "NONE"
}

/** The guard's state: the subscription holding the user's place on a service, if any. */
export interface ServiceGuardState {
  readonly holder: string | undefined
}
