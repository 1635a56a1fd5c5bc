import { Clock, Effect, Either } from "effect"
import { instanceOpsStreamId, mayControl } from "../../domain/operations/index.ts"
import { decideSubscription, subscriptionStreamId } from "../../domain/subscription/index.ts"
import { opsStateOf, ownerMayChange } from "../operations/streams.ts"
import { Catalog } from "../ports/catalog.ts"
import { Cluster } from "../ports/cluster.ts"
import type { EventMetadata } from "../ports/eventStore.ts"
import { SubscriptionQueries, type SubscriptionView } from "../ports/subscriptionQueries.ts"
import { nowIso } from "../shared/clock.ts"
import { runCommand } from "../shared/runCommand.ts"
import { subscriptionStream } from "../shared/streams.ts"
import { instanceSpecOf, instanceUrls } from "./instanceSpec.ts"
import { locate } from "./naming.ts"
import { onSubscription } from "./streams.ts"
import { ownSubscription } from "./useCases.ts"

/** What an owner (or an administrator) does to a running instance: control, metrics, settings, secrets. */

/** stop (RUNNING→STOPPING→STOPPED), start (STOPPED→STARTING→RUNNING), restart (RUNNING→RESTARTING→RUNNING). */
export const controlInstance = Effect.fn("Provisioning.controlInstance")(function* (
  userId: string,
  subscriptionId: string,
  action: "stop" | "start" | "restart"
) {
  const view = yield* ownSubscription(userId, subscriptionId)
  return yield* controlInstanceOf(view, { id: userId, administrator: false }, action, { actor: userId })
})

/**
 * The owner's or an administrator's start, stop or restart of an instance. The first
 * transition is decided together with the instance's maintenance state (both streams locked):
 * the owner is refused while an administrator holds it in maintenance.
 */
export const controlInstanceOf = Effect.fn("Provisioning.controlInstanceOf")(function* (
  view: SubscriptionView,
  by: { readonly id: string; readonly administrator: boolean },
  action: "stop" | "start" | "restart",
  metadata: EventMetadata
) {
  const cluster = yield* Cluster
  const subId = subscriptionStreamId(view.id)
  const opsId = instanceOpsStreamId(view.id)
  const transition = (to: "STOPPING" | "STOPPED" | "STARTING" | "RESTARTING", guarded = false) =>
    Effect.flatMap(nowIso, (now) =>
      runCommand(
        guarded ? [subId, opsId] : [subId],
        (loaded) =>
          Either.flatMap(
            guarded ? mayControl(opsStateOf(loaded.get(opsId)), view.id, by.administrator) : Either.void,
            () => {
              const before = subscriptionStream.load(loaded.get(subId))
              return Either.map(decideSubscription({ _tag: "Transition", now, to, by: by.id }, before), (events) => ({
                events: subscriptionStream.encode(subId, before, events),
                result: undefined
              }))
            }
          ),
        metadata
      )
    )
  const { namespace, name } = yield* locate(view)
  switch (action) {
    case "stop":
      yield* transition("STOPPING", true)
      yield* cluster.scale(namespace, name, 0)
      yield* transition("STOPPED")
      break
    case "start":
      yield* transition("STARTING", true)
      yield* cluster.scale(namespace, name, 1)
      break
    case "restart":
      yield* transition("RESTARTING", true)
      yield* cluster.restart(namespace, name, yield* nowIso)
      break
  }
  return (yield* (yield* SubscriptionQueries).find(view.id))!
})

/**
 * GET /api/subscriptions/:id/metrics, in the earlier version's shape (`cpu`, `memory`: used,
 * limit, percentage; `urls.public`, `urls.admin`), the same figures under `metrics`. When usage is
 * unknown (no metrics-server, it failed, no sample yet, nothing in the cluster) `cpu`, `memory`
 * and `metrics` are null and `reason` says why — never an error.
 */
export const instanceMetrics = Effect.fn("Provisioning.instanceMetrics")(function* (
  userId: string,
  subscriptionId: string
) {
  const view = yield* ownSubscription(userId, subscriptionId)
  const at = yield* locate(view)
  const service = yield* (yield* Catalog).serviceById(view.serviceId)
  const urls = yield* instanceUrls(view, service)
  const observed = yield* (yield* Cluster).metrics(at.namespace, at.name).pipe(
    Effect.map((m) =>
      m === undefined
        ? { reason: "the instance has no resources in the cluster" }
        : m.unavailable === undefined
          ? { metrics: m }
          : { reason: m.unavailable }
    ),
    Effect.catchAll((e) => Effect.succeed({ reason: `the cluster API did not answer (${e.reason})` }))
  )
  const pct = (used: number, limit: number) => (limit === 0 ? 0 : Math.round((used / limit) * 1000) / 10)
  const usage =
    "metrics" in observed
      ? {
          cpu: {
            used: observed.metrics.cpu.usedMilli,
            limit: observed.metrics.cpu.limitMilli,
            percentage: pct(observed.metrics.cpu.usedMilli, observed.metrics.cpu.limitMilli)
          },
          memory: {
            used: observed.metrics.memory.usedMb,
            limit: observed.metrics.memory.limitMb,
            percentage: pct(observed.metrics.memory.usedMb, observed.metrics.memory.limitMb)
          }
        }
      : null
  return {
    instanceId: view.id,
    status: view.instanceStatus,
    cpu: usage?.cpu ?? null,
    memory: usage?.memory ?? null,
    metrics: usage,
    reason: "reason" in observed ? observed.reason : null,
    urls: { public: urls.publicUrl, admin: urls.adminUrl },
    timestamp: new Date(yield* Clock.currentTimeMillis).toISOString()
  }
})

/**
 * PUT /api/instances/:id: display name and environment overrides (values stay out of the event
 * log); the resources are re-applied and a running instance restarted to pick them up.
 */
export const reconfigureInstance = Effect.fn("Provisioning.reconfigure")(function* (
  userId: string,
  subscriptionId: string,
  input: { readonly displayName?: string | undefined; readonly env?: Readonly<Record<string, string>> | undefined }
) {
  const view = yield* ownSubscription(userId, subscriptionId)
  yield* ownerMayChange(view.id)
  const queries = yield* SubscriptionQueries
  const now = yield* nowIso
  yield* onSubscription(
    subscriptionId,
    (state) =>
      decideSubscription(
        {
          _tag: "Reconfigure",
          now,
          by: userId,
          displayName: input.displayName ?? null,
          envKeys: Object.keys(input.env ?? {}).sort()
        },
        state
      ),
    { actor: userId }
  )
  if (input.env !== undefined) {
    yield* queries.setInstanceEnv(
      subscriptionId,
      { ...(yield* queries.instanceEnv(subscriptionId)), ...input.env },
      new Date(now)
    )
    if (view.instanceStatus === "RUNNING") {
      yield* (yield* Cluster).apply(yield* instanceSpecOf(view))
      return yield* controlInstance(userId, subscriptionId, "restart")
    }
  }
  return (yield* queries.find(subscriptionId))!
})

/**
 * GET /api/instances/:id/credentials: the generated secrets of the owner's instance, read from
 * its Secret (never stored elsewhere, never logged), each with what it is for.
 */
export const instanceCredentials = Effect.fn("Provisioning.credentials")(function* (
  userId: string,
  subscriptionId: string
) {
  const view = yield* ownSubscription(userId, subscriptionId)
  const service = yield* (yield* Catalog).serviceById(view.serviceId)
  const at = yield* locate(view)
  const stored = (yield* (yield* Cluster).credentials(at.namespace, at.name)) ?? {}
  const labels = service?.template.credentials ?? {}
  return {
    instanceId: view.id,
    status: view.instanceStatus,
    credentials: Object.entries(labels).flatMap(([name, description]) =>
      stored[name] === undefined ? [] : [{ name, description, value: stored[name] }]
    )
  }
})
