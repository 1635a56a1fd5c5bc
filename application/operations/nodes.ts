import { Clock, Effect, Either } from "effect"
import { clusterAdminStreamId, NodeNotFound } from "../../domain/operations/index.ts"
import { Cluster } from "../ports/cluster.ts"
import { runCommand } from "../shared/runCommand.ts"
import { clusterAdminEvents } from "./streams.ts"

export type NodeAction = "cordon" | "uncordon" | "drain"

/**
 * POST /api/admin/nodes/:name/cordon · uncordon · drain. Drain cordons first (so what it evicts
 * is not scheduled back there), then evicts every pod on the node. One audit event records the
 * admin, the reason and what was evicted.
 */
export const operateNode = Effect.fn("Operations.node")(function* (
  adminId: string,
  node: string,
  action: NodeAction,
  reason: string
) {
  const cluster = yield* Cluster
  if (!(yield* cluster.cordon(node, action !== "uncordon"))) return yield* new NodeNotFound({ node })
  const evicted = action === "drain" ? yield* cluster.drain(node) : []
  const at = new Date(yield* Clock.currentTimeMillis).toISOString()
  yield* runCommand(
    [clusterAdminStreamId],
    () =>
      Either.right({
        events: clusterAdminEvents([{ _tag: "NodeOperated", by: adminId, reason, node, action, evicted, at }]),
        result: undefined
      }),
    { actor: adminId, reason }
  )
  const view = (yield* cluster.nodes).find((n) => n.name === node)
  return { node, action, unschedulable: view?.unschedulable ?? action !== "uncordon", evicted }
})
