import { Schema } from "effect"

export const HealthStatus = Schema.Literal("HEALTHY", "DEGRADED", "DOWN")
export type HealthStatus = typeof HealthStatus.Type

/** The reconciliation loop's verdict on a running instance changed (written on changes only). */
export const InstanceHealthChanged = Schema.TaggedStruct("InstanceHealthChanged", {
  subscriptionId: Schema.String,
  status: HealthStatus,
  /** Why it is not healthy (null when HEALTHY). */
  reason: Schema.NullOr(Schema.String),
  at: Schema.String
})

export const DriftRepair = Schema.Literal("reapplied", "scaledUp", "scaledDown")
export type DriftRepair = typeof DriftRepair.Type

/** The cluster differed from what the log says should run, and the loop put it back. */
export const InstanceDriftRepaired = Schema.TaggedStruct("InstanceDriftRepaired", {
  subscriptionId: Schema.String,
  repair: DriftRepair,
  /** What the loop found (e.g. "Deployment missing", "1 replica while STOPPED"). */
  found: Schema.String,
  at: Schema.String
})

/** An administrator took the instance over: its owner cannot start or stop it meanwhile. */
export const MaintenanceStarted = Schema.TaggedStruct("MaintenanceStarted", {
  subscriptionId: Schema.String,
  by: Schema.String,
  reason: Schema.String,
  at: Schema.String
})

export const MaintenanceEnded = Schema.TaggedStruct("MaintenanceEnded", {
  subscriptionId: Schema.String,
  by: Schema.String,
  reason: Schema.String,
  at: Schema.String
})

export const InstanceOpsEvent = Schema.Union(
  InstanceHealthChanged,
  InstanceDriftRepaired,
  MaintenanceStarted,
  MaintenanceEnded
)
export type InstanceOpsEvent = typeof InstanceOpsEvent.Type

/** An administrator's confirmed cleanup of orphaned cluster objects (stream cluster-admin): what was deleted, by whom, why. */
export const OrphansRemoved = Schema.TaggedStruct("OrphansRemoved", {
  by: Schema.String,
  reason: Schema.String,
  removed: Schema.Array(Schema.Struct({ namespace: Schema.String, name: Schema.String, instanceId: Schema.String })),
  at: Schema.String
})

/** An administrator cordoned, uncordoned or drained a node (drain: the pods evicted). */
export const NodeOperated = Schema.TaggedStruct("NodeOperated", {
  by: Schema.String,
  reason: Schema.String,
  node: Schema.String,
  action: Schema.Literal("cordon", "uncordon", "drain"),
  evicted: Schema.Array(Schema.Struct({ namespace: Schema.String, name: Schema.String })),
  at: Schema.String
})

export const ClusterAdminEvent = Schema.Union(OrphansRemoved, NodeOperated)
export type ClusterAdminEvent = typeof ClusterAdminEvent.Type
