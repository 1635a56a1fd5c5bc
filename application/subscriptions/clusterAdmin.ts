import { Effect } from "effect"
import { Cluster } from "../ports/cluster.ts"
import { SubscriptionQueries } from "../ports/subscriptionQueries.ts"
import { FieldInvalid } from "../shared/errors.ts"

/** Every managed instance with its subscription's view and live metrics. */
export const listPods = Effect.fn("ClusterAdmin.listPods")(function*() {
  const cluster = yield* Cluster
  const queries = yield* SubscriptionQueries
  const managed = yield* cluster.listManaged
  return yield* Effect.forEach(managed, (m) =>
    Effect.gen(function*() {
      const subscription = yield* queries.find(m.instanceId)
      const metrics = yield* cluster.metrics(m.namespace, m.name)
      return { ...m, subscriptionStatus: subscription?.status ?? null, instanceStatus: subscription?.instanceStatus ?? null, ownerId: subscription?.userId ?? null, metrics: metrics ?? null }
    }))
})

/** Resources whose subscription is gone or no longer holds them (cancelled, expired, failed). */
export const orphanedPods = Effect.fn("ClusterAdmin.orphanedPods")(function*() {
  const pods = yield* listPods()
  return pods.filter((p) => p.subscriptionStatus === null || ["CANCELLED", "EXPIRED", "FAILED"].includes(p.subscriptionStatus))
})

/** Removes orphaned resources; refused without an explicit confirmation. */
export const cleanupOrphans = Effect.fn("ClusterAdmin.cleanupOrphans")(function*(confirm: boolean) {
  if (!confirm) return yield* new FieldInvalid({ field: "confirm", problem: "must be true to delete resources" })
  const cluster = yield* Cluster
  const orphans = yield* orphanedPods()
  for (const o of orphans) yield* cluster.remove(o.namespace, o.name)
  return { removed: orphans.map((o) => ({ namespace: o.namespace, name: o.name })) }
})

export const clusterHealth = Effect.fn("ClusterAdmin.health")(function*() {
  const nodes = yield* (yield* Cluster).nodes
  const pods = yield* listPods()
  return {
    nodes: { total: nodes.length, ready: nodes.filter((n) => n.ready).length },
    instances: { total: pods.length, byStatus: pods.reduce<Record<string, number>>((acc, p) => ({ ...acc, [p.instanceStatus ?? "UNKNOWN"]: (acc[p.instanceStatus ?? "UNKNOWN"] ?? 0) + 1 }), {}) },
    orphaned: pods.filter((p) => p.subscriptionStatus === null || ["CANCELLED", "EXPIRED", "FAILED"].includes(p.subscriptionStatus)).length
  }
})
