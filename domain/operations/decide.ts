import { Either } from "effect"
import { InstanceInMaintenance } from "./errors.ts"
import type { DriftRepair, HealthStatus, InstanceOpsEvent } from "./events.ts"
import type { ObservedInstance, ObservedPod } from "./observation.ts"
import type { InstanceOpsState } from "./state.ts"

/** What the event log says the instance's Deployments should run; undefined: not the loop's business (provisioning, ended). */
export type DesiredRun = "running" | "stopped"

export const desiredRunOf = (subscriptionStatus: string, instanceStatus: string): DesiredRun | undefined => {
  if (subscriptionStatus === "SUSPENDED") return "stopped"
  if (subscriptionStatus !== "ACTIVE") return undefined
  if (["RUNNING", "STARTING", "RESTARTING"].includes(instanceStatus)) return "running"
  if (["STOPPED", "STOPPING", "SUSPENDED"].includes(instanceStatus)) return "stopped"
  return undefined
}

export interface PlannedRepair {
  readonly repair: DriftRepair
  readonly found: string
}

/**
 * The one repair that brings the cluster back to the log: a missing Deployment is re-applied
 * (its replicas are then set as wanted), a scaled-up stopped instance is scaled to 0, a
 * scaled-down running one back to 1. Undefined: nothing to repair.
 */
export const planRepair = (
  want: DesiredRun,
  observed: ObservedInstance | undefined,
  expectsDatabase: boolean
): PlannedRepair | undefined => {
  const deployments = observed?.deployments ?? []
  const missing = (["app", ...(expectsDatabase ? ["database"] : [])] as const).filter(
    (c) => !deployments.some((d) => d.component === c)
  )
  if (missing.length > 0) return { repair: "reapplied", found: `Deployment missing (${missing.join(", ")})` }
  if (want === "stopped") {
    const up = deployments.filter((d) => d.replicas > 0)
    if (up.length > 0)
      return {
        repair: "scaledDown",
        found: `${up.map((d) => `${d.name} at ${d.replicas} replica(s)`).join(", ")} while stopped`
      }
  } else {
    const down = deployments.filter((d) => d.replicas === 0)
    if (down.length > 0)
      return { repair: "scaledUp", found: `${down.map((d) => `${d.name} at 0 replicas`).join(", ")} while running` }
  }
  return undefined
}

export interface HealthVerdict {
  readonly status: HealthStatus
  readonly reason: string | null
}

const failingReasons = ["ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError", "CreateContainerError"]

/** A container that has failed long enough to count: crash-looping past the threshold, or an image that cannot be pulled. */
const failing = (pod: ObservedPod, crashLoopRestarts: number) =>
  !pod.terminating &&
  !pod.ready &&
  ((pod.waitingReason === "CrashLoopBackOff" && pod.restarts >= crashLoopRestarts) ||
    failingReasons.includes(pod.waitingReason ?? ""))

/**
 * The health of an instance that should run: HEALTHY when every Deployment has its replicas
 * ready and nothing fails; DEGRADED when a pod fails (crash loop past `crashLoopRestarts`
 * restarts, image pull) while the app still has a ready pod (e.g. its database crash-loops);
 * DOWN when the app has none. Undefined: no verdict yet (pods still starting) — the previous
 * one stands.
 */
export const assessHealth = (
  observed: ObservedInstance | undefined,
  crashLoopRestarts: number
): HealthVerdict | undefined => {
  const app = observed?.deployments.find((d) => d.component === "app")
  if (observed === undefined || app === undefined) return { status: "DOWN", reason: "Deployment missing" }
  const bad = observed.pods.filter((p) => failing(p, crashLoopRestarts))
  const unready = observed.deployments.filter((d) => d.readyReplicas < Math.max(1, d.replicas))
  if (bad.length === 0) return unready.length === 0 ? { status: "HEALTHY", reason: null } : undefined
  const reason = bad.map((p) => `${p.component} pod ${p.name}: ${p.waitingReason}`).join("; ")
  const appServes = observed.pods.some((p) => p.component === "app" && p.ready && !p.terminating)
  return { status: appServes ? "DEGRADED" : "DOWN", reason }
}

/** A health event only when the verdict changes (status or reason). */
export const decideHealth = (
  state: InstanceOpsState,
  subscriptionId: string,
  verdict: HealthVerdict | undefined,
  now: string
): ReadonlyArray<InstanceOpsEvent> =>
  verdict === undefined || (state.health?.status === verdict.status && state.health.reason === verdict.reason)
    ? []
    : [{ _tag: "InstanceHealthChanged", subscriptionId, status: verdict.status, reason: verdict.reason, at: now }]

export const decideRepairRecord = (
  subscriptionId: string,
  planned: PlannedRepair,
  now: string
): ReadonlyArray<InstanceOpsEvent> => [
  { _tag: "InstanceDriftRepaired", subscriptionId, repair: planned.repair, found: planned.found, at: now }
]

/** Maintenance on or off; asking for the state it is already in changes nothing. */
export const decideMaintenance = (
  state: InstanceOpsState,
  command: {
    readonly subscriptionId: string
    readonly enabled: boolean
    readonly by: string
    readonly reason: string
    readonly now: string
  }
): ReadonlyArray<InstanceOpsEvent> => {
  const { subscriptionId, by, reason, now: at } = command
  if (command.enabled === (state.maintenance !== undefined)) return []
  return [
    command.enabled
      ? { _tag: "MaintenanceStarted", subscriptionId, by, reason, at }
      : { _tag: "MaintenanceEnded", subscriptionId, by, reason, at }
  ]
}

/** The owner's start, stop or restart: refused while an administrator holds the instance in maintenance (administrators pass). */
export const mayControl = (
  state: InstanceOpsState,
  subscriptionId: string,
  byAdministrator: boolean
): Either.Either<void, InstanceInMaintenance> =>
  state.maintenance === undefined || byAdministrator
    ? Either.void
    : Either.left(new InstanceInMaintenance({ subscriptionId, reason: state.maintenance.reason }))
