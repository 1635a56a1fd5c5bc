import type { Aggregate } from "../shared/index.ts"
import { ClusterAdminEvent, InstanceOpsEvent } from "./events.ts"
import { evolveInstanceOps } from "./evolve.ts"
import { type InstanceOpsState, noInstanceOps } from "./state.ts"

/** instance-ops-<subscriptionId>: health verdicts, drift repairs and maintenance of one instance. */
export const instanceOpsAggregate: Aggregate<InstanceOpsState, InstanceOpsEvent> = {
  event: InstanceOpsEvent,
  initial: noInstanceOps,
  evolve: evolveInstanceOps
}

/** cluster-admin: a record of administrators' cluster-wide actions; nothing is decided from it. */
export const clusterAdminAggregate: Aggregate<null, ClusterAdminEvent> = {
  event: ClusterAdminEvent,
  initial: null,
  evolve: () => null
}
