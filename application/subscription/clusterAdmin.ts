import { Clock, Effect, Either } from "effect"
import { clusterAdminStreamId } from "../../domain/operations/index.ts"
import { clusterAdminEvents } from "../operations/streams.ts"
import { runCommand } from "../shared/runCommand.ts"
import { Catalog } from "../ports/catalog.ts"
import { Cluster } from "../ports/cluster.ts"
import { SubscriptionQueries } from "../ports/subscriptionQueries.ts"
import { FieldInvalid } from "../shared/errors.ts"

/** GET /api/admin/pods filters: owner, service (slug or id), instance status, node. */
export interface PodFilter {
  readonly userId?: string | undefined
  readonly service?: string | undefined
  readonly status?: string | undefined
  readonly node?: string | undefined
}

/**
 * Every managed instance with its subscription's view, its node, restarts and live metrics
 * (null with the reason when metrics.k8s.io has none).
 */
export const listPods = Effect.fn("ClusterAdmin.listPods")(function* (filter: PodFilter = {}) {
  const cluster = yield* Cluster
  const queries = yield* SubscriptionQueries
  const catalog = yield* Catalog
  const managed = yield* cluster.listManaged
  const slugs = new Map<string, string | null>()
  const slugOf = (serviceId: string) =>
    slugs.has(serviceId)
      ? Effect.succeed(slugs.get(serviceId)!)
      : Effect.map(catalog.serviceById(serviceId), (s) => {
          slugs.set(serviceId, s?.slug ?? null)
          return s?.slug ?? null
        })
  const pods = yield* Effect.forEach(
    managed,
    (m) =>
      Effect.gen(function* () {
        const subscription = yield* queries.find(m.instanceId)
        if (filter.userId !== undefined && subscription?.userId !== filter.userId) return undefined
        if (filter.status !== undefined && subscription?.instanceStatus !== filter.status) return undefined
        const serviceSlug = subscription === undefined ? null : yield* slugOf(subscription.serviceId)
        if (
          filter.service !== undefined &&
          serviceSlug !== filter.service &&
          subscription?.serviceId !== filter.service
        )
          return undefined
        const metrics = yield* cluster.metrics(m.namespace, m.name)
        const node = metrics?.node ?? null
        if (filter.node !== undefined && node !== filter.node) return undefined
        return {
          ...m,
          subscriptionStatus: subscription?.status ?? null,
          instanceStatus: subscription?.instanceStatus ?? null,
          ownerId: subscription?.userId ?? null,
          serviceId: subscription?.serviceId ?? null,
          serviceSlug,
          phase: metrics?.phase ?? null,
          node,
          restarts: metrics?.restarts ?? 0,
          metrics:
            metrics === undefined || metrics.unavailable !== undefined
              ? null
              : { phase: metrics.phase, cpu: metrics.cpu, memory: metrics.memory },
          metricsReason: metrics === undefined ? "no Deployment in the cluster" : (metrics.unavailable ?? null)
        }
      }),
    { concurrency: 8 }
  )
  return pods.filter((p) => p !== undefined)
})

/** Resources whose subscription is gone or no longer holds them (cancelled, expired, failed). */
export const orphanedPods = Effect.fn("ClusterAdmin.orphanedPods")(function* () {
  const pods = yield* listPods()
  return pods.filter(
    (p) => p.subscriptionStatus === null || ["CANCELLED", "EXPIRED", "FAILED"].includes(p.subscriptionStatus)
  )
})

/**
 * Removes orphaned resources, refused without an explicit confirmation; only those still
 * orphaned and, when `only` is given, among those the administrator was shown. One audit event
 * records what was removed, by whom and why.
 */
export const cleanupOrphans = Effect.fn("ClusterAdmin.cleanupOrphans")(function* (
  confirm: boolean,
  audit: { readonly adminId: string; readonly reason: string },
  only?: ReadonlyArray<{ readonly namespace: string; readonly name: string }>
) {
  if (!confirm) return yield* new FieldInvalid({ field: "confirm", problem: "must be true to delete resources" })
  const cluster = yield* Cluster
  const orphans = (yield* orphanedPods()).filter(
    (o) => only === undefined || only.some((l) => l.namespace === o.namespace && l.name === o.name)
  )
  const removed: Array<{ namespace: string; name: string; instanceId: string }> = []
  const record = Effect.suspend(() =>
    removed.length === 0
      ? Effect.void
      : Effect.flatMap(Clock.currentTimeMillis, (ms) =>
          runCommand(
            [clusterAdminStreamId],
            () =>
              Either.right({
                events: clusterAdminEvents([
                  {
                    _tag: "OrphansRemoved",
                    by: audit.adminId,
                    reason: audit.reason,
                    removed,
                    at: new Date(ms).toISOString()
                  }
                ]),
                result: undefined
              }),
            { actor: audit.adminId, reason: audit.reason }
          )
        )
  )
  // What was removed is recorded even when a later removal fails.
  yield* Effect.forEach(
    orphans,
    (o) =>
      Effect.map(
        cluster.remove(o.namespace, o.name),
        () => void removed.push({ namespace: o.namespace, name: o.name, instanceId: o.instanceId })
      ),
    { discard: true }
  ).pipe(Effect.ensuring(Effect.orDie(record)))
  return { removed: removed.map(({ namespace, name }) => ({ namespace, name })) }
})

export const clusterHealth = Effect.fn("ClusterAdmin.health")(function* () {
  const nodes = yield* (yield* Cluster).nodes
  const pods = yield* listPods()
  return {
    nodes: { total: nodes.length, ready: nodes.filter((n) => n.ready).length },
    instances: {
      total: pods.length,
      byStatus: pods.reduce<Record<string, number>>(
        (acc, p) => ({ ...acc, [p.instanceStatus ?? "UNKNOWN"]: (acc[p.instanceStatus ?? "UNKNOWN"] ?? 0) + 1 }),
        {}
      )
    },
    orphaned: pods.filter(
      (p) => p.subscriptionStatus === null || ["CANCELLED", "EXPIRED", "FAILED"].includes(p.subscriptionStatus)
    ).length
  }
})
