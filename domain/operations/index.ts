/** The operating side of an instance: health verdicts, drift repairs, maintenance (stream instance-ops-<subscriptionId>). */
export const instanceOpsStreamId = (subscriptionId: string): string => `instance-ops-${subscriptionId}`
export const isInstanceOpsStream = (streamId: string): boolean => streamId.startsWith("instance-ops-")

/** Administrators' cluster-wide actions (orphan cleanups). */
export const clusterAdminStreamId = "cluster-admin"

export * from "./aggregate.ts"
export * from "./decide.ts"
export * from "./errors.ts"
export * from "./events.ts"
export * from "./evolve.ts"
export * from "./observation.ts"
export * from "./state.ts"
