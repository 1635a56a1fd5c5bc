import { Clock, Effect } from "effect"
import { Cluster } from "../ports/cluster.ts"
import { InstanceOpsQueries } from "../ports/instanceOps.ts"
import { clusterHealth } from "../subscription/clusterAdmin.ts"
import { ReconciliationPolicy } from "./reconciliation.ts"

const problem = (cause: unknown) =>
  cause instanceof Error
    ? cause.message
    : typeof cause === "object" && cause !== null && "_tag" in cause
      ? String((cause as { _tag: unknown })._tag)
      : String(cause)

/**
 * GET /api/admin/health: each part answers on its own — a cluster or database outage is a part
 * marked down with its reason, never a failed response.
 */
export const operationsHealth = Effect.fn("Operations.health")(function* () {
  const ops = yield* InstanceOpsQueries
  const now = yield* Clock.currentTimeMillis
  const database = yield* ops.lastRun.pipe(
    Effect.zip(ops.healthCounts),
    Effect.either,
    Effect.catchAllDefect((d) => Effect.succeed({ _tag: "Left" as const, left: d }))
  )
  const cluster = yield* clusterHealth().pipe(
    Effect.either,
    Effect.catchAllDefect((d) => Effect.succeed({ _tag: "Left" as const, left: d }))
  )
  const metricsUnavailable = yield* (yield* Cluster).metricsUnavailable
  const [lastRun, instanceHealth] = database._tag === "Right" ? database.right : [undefined, {}]
  return {
    database: database._tag === "Right" ? { ok: true, reason: null } : { ok: false, reason: problem(database.left) },
    clusterApi: cluster._tag === "Right" ? { ok: true, reason: null } : { ok: false, reason: problem(cluster.left) },
    metricsApi: { available: metricsUnavailable === undefined, reason: metricsUnavailable ?? null },
    nodes: cluster._tag === "Right" ? cluster.right.nodes : { total: 0, ready: 0 },
    instances: cluster._tag === "Right" ? cluster.right.instances : { total: 0, byStatus: {} },
    orphaned: cluster._tag === "Right" ? cluster.right.orphaned : 0,
    scheduler: { leader: lastRun?.replica ?? null, thisReplica: (yield* ReconciliationPolicy).replica },
    reconciliation:
      lastRun === undefined
        ? { lastRunAt: null, lagSeconds: null, lastRun: null }
        : {
            lastRunAt: lastRun.finishedAt,
            lagSeconds: Math.max(0, Math.round((now - Date.parse(lastRun.finishedAt)) / 1000)),
            lastRun
          },
    instanceHealth: { HEALTHY: 0, DEGRADED: 0, DOWN: 0, ...instanceHealth }
  }
})
