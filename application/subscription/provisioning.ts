import { Clock, Duration, Effect, FiberMap, Metric, MetricBoundaries } from "effect"
import {
  decideProvisioningFailure,
  decideProvisioningRetry,
  decideSubscription
} from "../../domain/subscription/index.ts"
import { Catalog } from "../ports/catalog.ts"
import { Cluster, type ClusterError } from "../ports/cluster.ts"
import type { EventMetadata } from "../ports/eventStore.ts"
import { TransactionIds } from "../ports/ids.ts"
import { SubscriptionQueries, type SubscriptionView } from "../ports/subscriptionQueries.ts"
import { nowIso } from "../shared/clock.ts"
import { periodRefundIds } from "../shared/transactionIds.ts"
import { decideOnLifecycle, onSubscription } from "./streams.ts"
import { instanceSpecOf } from "./instanceSpec.ts"
import { locate, ProvisioningPolicy } from "./naming.ts"
import { ownSubscription, withHeldUpgradeOptions } from "./useCases.ts"

const system: EventMetadata = { actor: "provisioning" }

/**
 * Provisioning failed or timed out: partial resources removed, then in one transaction the
 * instance goes to ERROR, the period's charges are refunded, the slot and the service released.
 * Exactly once: the decision is a no-op unless the subscription is still provisioning.
 */
export const failProvisioning = Effect.fn("Provisioning.fail")(function* (view: SubscriptionView, reason: string) {
  const at = yield* locate(view)
  yield* (yield* Cluster).remove(at.namespace, at.name).pipe(Effect.catchAll(() => Effect.void))
  const refundTransactionIds = yield* periodRefundIds
  const now = yield* nowIso
  // The worker's view may predate an upgrade: the slot is released from the plan on record.
  yield* decideOnLifecycle(
    view.id,
    (states) =>
      decideProvisioningFailure(states, { now, reason, instanceName: view.instanceName, refundTransactionIds }),
    { ...system, reason }
  )
  yield* Effect.logWarning("provisioning failed: instance in ERROR, the period's charges refunded").pipe(
    Effect.annotateLogs({ subscriptionId: view.id, instanceName: view.instanceName, reason })
  )
})

/**
 * Seconds from a provisioning's start (subscribe or retry) to RUNNING or to its failure, tagged
 * `outcome`; each replica counts the provisionings it finished (Prometheus sums the replicas).
 */
export const provisioningDuration = Metric.histogram(
  "minispod_provisioning_duration_seconds",
  MetricBoundaries.fromIterable([1, 2, 5, 10, 20, 30, 60, 120, 180, 300, 600]),
  "Seconds from a provisioning's start to its instance running (outcome=running) or failing (outcome=failed)"
)
const recordProvisioning = (view: SubscriptionView, outcome: "running" | "failed") =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Metric.update(
      Metric.tagged(provisioningDuration, "outcome", outcome),
      Math.max(0, (now - Date.parse(view.provisioningStartedAt)) / 1000)
    )
  )

const markRunning = (subscriptionId: string) =>
  Effect.gen(function* () {
    const now = yield* nowIso
    yield* onSubscription(subscriptionId, (state) => decideSubscription({ _tag: "MarkRunning", now }, state), system)
  })

const plainError = (e: ClusterError) =>
  e._tag === "ClusterRejected"
    ? `the cluster refused ${e.operation} (${e.status}): ${e.reason}`
    : `${e.operation}: ${e.reason}`

/** How long one watch of a starting or restarting instance lasts before the next pass looks again. */
const controlWatchMs = 60_000

/**
 * One instance coming up: applied (provisioning only; server-side apply converges whatever a
 * crashed attempt left), then its readiness watched until ready, failed or the deadline. Only a
 * provisioning fails (refunded once): on a refusal (403, 422) at once, on transient errors
 * (retried here) or no readiness at the deadline, with the last reason. A start or restart
 * stays in its state and is watched again by the next pass.
 */
export const bringUp = Effect.fn("Provisioning.bringUp")(function* (view: SubscriptionView) {
  const cluster = yield* Cluster
  const policy = yield* ProvisioningPolicy
  const at = yield* locate(view)
  const deadline = Date.parse(view.provisioningStartedAt) + policy.timeoutSeconds * 1000
  const provisioning = view.instanceStatus === "PROVISIONING"
  // The instance may have moved on meanwhile (cancelled, retried, restarted again): a stale fiber only stops.
  const current = Effect.map(
    Effect.flatMap(SubscriptionQueries, (q) => q.find(view.id)),
    (now) =>
      now !== undefined &&
      now.instanceStatus === view.instanceStatus &&
      now.provisioningStartedAt === view.provisioningStartedAt &&
      now.updatedAt === view.updatedAt
  )
  const fail = (reason: string) =>
    Effect.flatMap(current, (still) =>
      still ? Effect.zipRight(failProvisioning(view, reason), recordProvisioning(view, "failed")) : Effect.void
    )
  const late = (reason: string | undefined) =>
    fail(`not ready after ${policy.timeoutSeconds} s${reason ? `: ${reason}` : ""}`)
  // A restart counts once its rollout is seen (the watch may start before the restart reaches the cluster).
  const restartedSince = view.instanceStatus === "RESTARTING" ? view.updatedAt : undefined
  while (true) {
    const remaining = deadline - (yield* Clock.currentTimeMillis)
    if (provisioning && remaining <= 0) return yield* late(undefined)
    const outcome = yield* Effect.either(
      Effect.gen(function* () {
        if (provisioning) yield* cluster.apply(yield* instanceSpecOf(view))
        return yield* cluster.awaitReadiness(at.namespace, at.name, provisioning ? remaining : controlWatchMs, {
          restartedSince
        })
      })
    )
    const overdue = (yield* Clock.currentTimeMillis) >= deadline
    if (outcome._tag === "Left") {
      const error = outcome.left
      if (!provisioning)
        return yield* Effect.logWarning("watching an instance failed; watched again next pass").pipe(
          Effect.annotateLogs({ subscriptionId: view.id, error: plainError(error) })
        )
      if (error._tag === "ClusterRejected") return yield* fail(plainError(error))
      if (overdue) return yield* late(`the cluster kept failing: ${plainError(error)}`)
      yield* Effect.logWarning("provisioning step failed; retrying").pipe(
        Effect.annotateLogs({ subscriptionId: view.id, error: plainError(error) })
      )
      yield* Effect.sleep(Duration.millis(Math.min(2_000, Math.max(0, deadline - (yield* Clock.currentTimeMillis)))))
      continue
    }
    const readiness = outcome.right
    if (readiness._tag === "Ready")
      return (yield* current)
        ? yield* Effect.zipRight(markRunning(view.id), provisioning ? recordProvisioning(view, "running") : Effect.void)
        : undefined
    if (!provisioning) return
    if (readiness._tag === "Failed") return yield* fail(readiness.reason)
    if (overdue) return yield* late(readiness.reason)
  }
})

/**
 * The provisioning worker: its queue is the read model (so work survives restarts, and replicas
 * may run side by side: every step is idempotent); each instance coming up gets its own fiber
 * watching the cluster, started once per instance. Runs until interrupted.
 */
export const runProvisioningWorker = (pollMs: number) =>
  Effect.scoped(
    Effect.gen(function* () {
      const inFlight = yield* FiberMap.make<string>()
      const queries = yield* SubscriptionQueries
      while (true) {
        const pending = yield* queries.provisioning(200)
        for (const view of pending) {
          // One fiber per instance and state: a retried or restarted instance gets a new one.
          yield* FiberMap.run(
            inFlight,
            `${view.id}|${view.instanceStatus}|${view.provisioningStartedAt}|${view.updatedAt}`,
            bringUp(view).pipe(
              Effect.catchAllCause((cause) =>
                Effect.logError("provisioning failed unexpectedly").pipe(
                  Effect.annotateLogs({ subscriptionId: view.id, cause: String(cause) })
                )
              )
            ),
            { onlyIfMissing: true }
          )
        }
        yield* Effect.sleep(Duration.millis(pollMs))
      }
    })
  )

/**
 * POST /api/subscriptions/:id/retry-provisioning, only from ERROR or TERMINATED: like a new
 * subscription on the same plan — service claimed, first month charged, slot taken — in one transaction.
 */
export const retryProvisioning = Effect.fn("Provisioning.retry")(function* (
  userId: string,
  subscriptionId: string,
  metadata: EventMetadata
) {
  const view = yield* ownSubscription(userId, subscriptionId)
  const plan = (yield* (yield* Catalog).planById(view.planId))!
  const chargeTransactionId = yield* (yield* TransactionIds).next
  const now = yield* nowIso
  yield* decideOnLifecycle(
    view.id,
    (states) =>
      decideProvisioningRetry(states, {
        now,
        chargeTransactionId,
        plan: { name: plan.name, totalQuota: plan.totalQuota }
      }),
    metadata
  ).pipe(Effect.catchTag("DuplicateSubscription", (e) => Effect.flip(withHeldUpgradeOptions(e))))
  return (yield* (yield* SubscriptionQueries).find(subscriptionId))!
})
