import { Clock, Context, Effect, Either } from "effect"
import {
  assessHealth,
  decideHealth,
  decideRepairRecord,
  desiredRunOf,
  type InstanceOpsEvent,
  type InstanceOpsState,
  instanceOpsStreamId,
  type ObservedInstance,
  planRepair
} from "../../domain/operations/index.ts"
import { Catalog } from "../ports/catalog.ts"
import { Cluster } from "../ports/cluster.ts"
import { InstanceOpsQueries } from "../ports/instanceOps.ts"
import { LeaderLock } from "../ports/paymentQueries.ts"
import { SubscriptionQueries, type SubscriptionView } from "../ports/subscriptionQueries.ts"
import { nowIso } from "../shared/clock.ts"
import { runCommand } from "../shared/runCommand.ts"
import { instanceSpecOf } from "../subscription/instanceSpec.ts"
import { locate } from "../subscription/naming.ts"
import { opsEvents, opsStateOf } from "./streams.ts"

export interface ReconciliationPolicyService {
  /** A crash-looping container counts (DEGRADED or DOWN) from this many restarts on. */
  readonly crashLoopRestarts: number
  /** This process, as the health view names the loop's leader (host:pid). */
  readonly replica: string
}
export class ReconciliationPolicy extends Context.Tag("app/ReconciliationPolicy")<
  ReconciliationPolicy,
  ReconciliationPolicyService
>() {}

export interface ReconciliationCounts {
  checked: number
  reapplied: number
  scaledUp: number
  scaledDown: number
  healthChanges: number
  failed: number
}

const loop = { actor: "reconciliation-loop" }

/** Every subscription whose instance should exist in the cluster (ACTIVE, SUSPENDED), page by page. */
const targets = Effect.gen(function* () {
  const queries = yield* SubscriptionQueries
  const all: Array<SubscriptionView> = []
  for (const status of ["ACTIVE", "SUSPENDED"]) {
    for (let page = 1; ; page++) {
      const { items } = yield* queries.search({ status, page, limit: 500 })
      all.push(...items)
      if (items.length < 500) break
    }
  }
  return all
})

const record = (
  subscriptionId: string,
  decide: (state: InstanceOpsState, now: string) => ReadonlyArray<InstanceOpsEvent>,
  reason?: string
) => {
  const streamId = instanceOpsStreamId(subscriptionId)
  return Effect.flatMap(nowIso, (now) =>
    runCommand(
      [streamId],
      (loaded) => {
        const events = decide(opsStateOf(loaded.get(streamId)), now)
        return Either.right({ events: opsEvents(streamId, events), result: events })
      },
      reason === undefined ? loop : { ...loop, reason }
    )
  )
}

/**
 * One instance: the repair the log calls for (never while an administrator holds it in
 * maintenance), else the health verdict of a RUNNING instance; both recorded as events on its
 * instance-ops stream. Only instance-ops streams are written: the loop never charges or refunds.
 */
const reconcileOne = (view: SubscriptionView, observed: ObservedInstance | undefined, counts: ReconciliationCounts) =>
  Effect.gen(function* () {
    const want = desiredRunOf(view.status, view.instanceStatus)
    if (want === undefined) return false
    const cluster = yield* Cluster
    const { crashLoopRestarts } = yield* ReconciliationPolicy
    const { namespace, name } = yield* locate(view)
    const ops = yield* (yield* InstanceOpsQueries).find(view.id)
    const service = yield* (yield* Catalog).serviceById(view.serviceId)
    const planned = ops?.maintenance ? undefined : planRepair(want, observed, service?.template.database !== undefined)
    if (planned !== undefined) {
      if (planned.repair === "reapplied") {
        yield* cluster.apply(yield* instanceSpecOf(view))
        if (want === "stopped") yield* cluster.scale(namespace, name, 0)
      } else {
        yield* cluster.scale(namespace, name, planned.repair === "scaledUp" ? 1 : 0)
      }
      counts[planned.repair]++
      yield* record(view.id, (_, now) => decideRepairRecord(view.id, planned, now), planned.found)
      yield* Effect.logInfo("instance drift repaired").pipe(
        Effect.annotateLogs({ subscriptionId: view.id, repair: planned.repair, found: planned.found })
      )
    } else if (view.instanceStatus === "RUNNING") {
      const verdict = assessHealth(observed, crashLoopRestarts)
      const written = yield* record(view.id, (state, now) => decideHealth(state, view.id, verdict, now))
      counts.healthChanges += written.length
    }
    return true
  })

/**
 * One pass of the reconciliation loop: what the event log says should run against what the
 * cluster has (one cluster-wide observation), instance by instance; a failing instance is
 * counted and logged, the others go on.
 */
export const reconcileInstances = Effect.fn("Operations.reconcile")(function* () {
  const counts: ReconciliationCounts = {
    checked: 0,
    reapplied: 0,
    scaledUp: 0,
    scaledDown: 0,
    healthChanges: 0,
    failed: 0
  }
  const observed = new Map((yield* (yield* Cluster).observe).map((o) => [`${o.namespace}/${o.name}`, o]))
  const views = yield* targets
  const checked: Array<string> = []
  yield* Effect.forEach(
    views,
    (view) =>
      Effect.gen(function* () {
        const { namespace, name } = yield* locate(view)
        if (yield* reconcileOne(view, observed.get(`${namespace}/${name}`), counts)) checked.push(view.id)
      }).pipe(
        Effect.catchAllCause((cause) =>
          Effect.sync(() => counts.failed++).pipe(
            Effect.zipRight(
              Effect.logWarning("reconciling an instance failed").pipe(
                Effect.annotateLogs({ subscriptionId: view.id, cause: String(cause) })
              )
            )
          )
        )
      ),
    { concurrency: 4, discard: true }
  )
  counts.checked = checked.length
  yield* (yield* InstanceOpsQueries).markChecked(checked, new Date(yield* Clock.currentTimeMillis))
  return counts
})

/** The loop's tick (and the admin's "run now"): only the replica holding the advisory lock runs it, and records the run. */
export const runReconciliation = Effect.fn("Operations.runReconciliation")(function* () {
  let counts: ReconciliationCounts | undefined
  const ran = yield* (yield* LeaderLock).runIfLeader(
    "instances.reconcile",
    Effect.gen(function* () {
      const startedAt = yield* nowIso
      counts = yield* reconcileInstances()
      yield* (yield* InstanceOpsQueries).recordRun({
        replica: (yield* ReconciliationPolicy).replica,
        startedAt,
        finishedAt: yield* nowIso,
        checked: counts.checked,
        repaired: counts.reapplied + counts.scaledUp + counts.scaledDown,
        healthChanges: counts.healthChanges,
        failed: counts.failed
      })
    })
  )
  return { ran, counts: counts ?? null }
})
