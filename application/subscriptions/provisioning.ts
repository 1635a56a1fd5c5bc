import { Clock, Context, Effect, Either } from "effect"
import { chargeReference, type WalletCommand, walletStreamId } from "../../domain/ledger/index.ts"
import { quotaStreamId } from "../../domain/quota/index.ts"
import {
  claimService,
  decideSubscription,
  releaseService,
  serviceGuardStreamId,
  subscriptionStreamId
} from "../../domain/subscription/index.ts"
import { decideQuotaStream } from "../catalog/useCases.ts"
import { planWalletCommands, walletStateOf } from "../ledger/walletStream.ts"
import { Catalog } from "../ports/catalog.ts"
import { Cluster, type InstanceSpec } from "../ports/cluster.ts"
import type { EventMetadata } from "../ports/eventStore.ts"
import { TransactionIds } from "../ports/ids.ts"
import { SubscriptionQueries, type SubscriptionView } from "../ports/subscriptionQueries.ts"
import { runCommand } from "../shared/runCommand.ts"
import { guardEvents, guardStateOf, subEvents, subStateOf } from "./streams.ts"
import { namespaceOf } from "./naming.ts"
import { ownSubscription } from "./useCases.ts"

export interface ProvisioningPolicyService {
  readonly baseDomain: string
  readonly timeoutSeconds: number
}
export class ProvisioningPolicy extends Context.Tag("app/ProvisioningPolicy")<ProvisioningPolicy, ProvisioningPolicyService>() {}

const nowIso = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms).toISOString())
const system: EventMetadata = { actor: "provisioning" }


/** The instance's resources, from the catalog's service and the subscription's plan. */
export const instanceSpecOf = Effect.fn("Provisioning.instanceSpecOf")(function*(view: SubscriptionView) {
  const catalog = yield* Catalog
  const policy = yield* ProvisioningPolicy
  const service = (yield* catalog.serviceById(view.serviceId))!
  const plan = (yield* catalog.planById(view.planId))!
  const host = `${view.instanceName}-${view.id.slice(0, 8)}.${policy.baseDomain}`
  const overrides = yield* (yield* SubscriptionQueries).instanceEnv(view.id)
  const env = { ...Object.fromEntries(Object.entries(service.envTemplate).map(([k, v]) => [k, v.replaceAll("{{domain}}", host)])), ...overrides }
  return {
    instanceId: view.id,
    namespace: namespaceOf(view.userId),
    name: view.instanceName,
    image: service.dockerImage,
    port: service.defaultPort,
    env,
    cpuMilli: plan.cpuMilli,
    memoryMb: plan.memoryMb,
    storageGb: plan.storageGb,
    host
  } satisfies InstanceSpec
})

/**
 * Provisioning failed or timed out: partial resources removed, then in one transaction the
 * instance goes to ERROR, the period's charges are refunded, the slot and the service released.
 * Exactly once: the decision is a no-op unless the subscription is still provisioning.
 */
export const failProvisioning = Effect.fn("Provisioning.fail")(function*(view: SubscriptionView, reason: string) {
  yield* (yield* Cluster).remove(namespaceOf(view.userId), view.instanceName).pipe(Effect.catchAll(() => Effect.void))
  const ids = yield* TransactionIds
  // A period has at most 5 charges: the first month and one upgrade per higher tier.
  const refundIds = [yield* ids.next, yield* ids.next, yield* ids.next, yield* ids.next, yield* ids.next]
  const now = yield* nowIso
  const subId = subscriptionStreamId(view.id)
  const quotaId = quotaStreamId(view.planId)
  const guardId = serviceGuardStreamId(view.userId, view.serviceId)
  yield* runCommand([walletStreamId(view.userId), quotaId, subId, guardId], (loaded) =>
    Either.gen(function*() {
      const sub = subStateOf(loaded.get(subId))
      const failed = yield* decideSubscription({ _tag: "FailProvisioning", now, reason }, sub)
      if (failed.length === 0) return []
      const refunds: Array<WalletCommand> = sub.periodCharges.map((c, i) => ({
        _tag: "RefundCharge",
        transactionId: refundIds[i]!,
        amount: c.amount,
        reference: `provisioning-failed:${view.id}:${c.transactionId}`,
        chargeTransactionId: c.transactionId,
        reason: `Provisioning of ${view.instanceName} failed: ${reason}`
      }))
      const wallet = yield* planWalletCommands(view.userId, walletStateOf(loaded.get(walletStreamId(view.userId))), refunds)
      const released = yield* decideQuotaStream(loaded, quotaId, { _tag: "ReleaseSlot", subscriptionId: view.id })
      const guard = releaseService(view.id, guardStateOf(loaded.get(guardId)))
      return [
        ...(wallet.append ? [wallet.append] : []),
        ...released,
        ...subEvents(subId, failed),
        ...guardEvents(guardId, guard)
      ]
    }), { ...system, reason })
  yield* Effect.logWarning("provisioning failed: instance in ERROR, the period's charges refunded").pipe(
    Effect.annotateLogs({ subscriptionId: view.id, instanceName: view.instanceName, reason })
  )
})

const markRunning = (subscriptionId: string) =>
  Effect.gen(function*() {
    const now = yield* nowIso
    const subId = subscriptionStreamId(subscriptionId)
    yield* runCommand([subId], (loaded) =>
      Either.map(decideSubscription({ _tag: "MarkRunning", now }, subStateOf(loaded.get(subId))), (events) => subEvents(subId, events)), system)
  })

/** One pass of the worker: every instance coming up is applied, checked, and finished or failed. */
export const provisionPending = Effect.fn("Provisioning.provisionPending")(function*(limit = 50) {
  const cluster = yield* Cluster
  const policy = yield* ProvisioningPolicy
  const now = yield* Clock.currentTimeMillis
  const pending = yield* (yield* SubscriptionQueries).provisioning(limit)
  const outcome = { running: 0, failed: 0, waiting: 0 }
  for (const view of pending) {
    const step = Effect.gen(function*() {
      if (view.instanceStatus === "PROVISIONING") {
        if (now - Date.parse(view.provisioningStartedAt) > policy.timeoutSeconds * 1000) {
          yield* failProvisioning(view, `not ready after ${policy.timeoutSeconds} s`)
          outcome.failed++
          return
        }
        yield* cluster.apply(yield* instanceSpecOf(view))
      }
      const readiness = yield* cluster.readiness(namespaceOf(view.userId), view.instanceName)
      if (readiness._tag === "Ready") {
        yield* markRunning(view.id)
        outcome.running++
      } else if (readiness._tag === "Failed" && view.instanceStatus === "PROVISIONING") {
        yield* failProvisioning(view, readiness.reason)
        outcome.failed++
      } else outcome.waiting++
    })
    yield* step.pipe(Effect.catchAll((error) => Effect.logWarning("provisioning step failed; retried next pass").pipe(Effect.annotateLogs({ subscriptionId: view.id, error: error._tag }))))
  }
  return outcome
})

/** stop (RUNNING→STOPPING→STOPPED), start (STOPPED→STARTING→RUNNING), restart (RUNNING→RESTARTING→RUNNING). */
export const controlInstance = Effect.fn("Provisioning.controlInstance")(function*(
  userId: string,
  subscriptionId: string,
  action: "stop" | "start" | "restart"
) {
  const view = yield* ownSubscription(userId, subscriptionId)
  const cluster = yield* Cluster
  const subId = subscriptionStreamId(subscriptionId)
  const transition = (to: "STOPPING" | "STOPPED" | "STARTING" | "RESTARTING") =>
    Effect.flatMap(nowIso, (now) =>
      runCommand([subId], (loaded) =>
        Either.map(decideSubscription({ _tag: "Transition", now, to, by: userId }, subStateOf(loaded.get(subId))), (events) => subEvents(subId, events)), { actor: userId }))
  const namespace = namespaceOf(view.userId)
  switch (action) {
    case "stop":
      yield* transition("STOPPING")
      yield* cluster.scale(namespace, view.instanceName, 0)
      yield* transition("STOPPED")
      break
    case "start":
      yield* transition("STARTING")
      yield* cluster.scale(namespace, view.instanceName, 1)
      break
    case "restart":
      yield* transition("RESTARTING")
      yield* cluster.restart(namespace, view.instanceName, yield* nowIso)
      break
  }
  return (yield* (yield* SubscriptionQueries).find(subscriptionId))!
})

/** GET /api/subscriptions/:id/metrics, in the earlier version's shape. */
export const instanceMetrics = Effect.fn("Provisioning.instanceMetrics")(function*(userId: string, subscriptionId: string) {
  const view = yield* ownSubscription(userId, subscriptionId)
  const metrics = yield* (yield* Cluster).metrics(namespaceOf(view.userId), view.instanceName)
  const spec = yield* instanceSpecOf(view)
  const pct = (used: number, limit: number) => (limit === 0 ? 0 : Math.round((used / limit) * 1000) / 10)
  return {
    instanceId: view.id,
    status: view.instanceStatus,
    cpu: { used: metrics?.cpu.usedMilli ?? 0, limit: metrics?.cpu.limitMilli ?? spec.cpuMilli, percentage: pct(metrics?.cpu.usedMilli ?? 0, metrics?.cpu.limitMilli ?? spec.cpuMilli) },
    memory: { used: metrics?.memory.usedMb ?? 0, limit: metrics?.memory.limitMb ?? spec.memoryMb, percentage: pct(metrics?.memory.usedMb ?? 0, metrics?.memory.limitMb ?? spec.memoryMb) },
    urls: { public: `https://${spec.host}` },
    timestamp: new Date(yield* Clock.currentTimeMillis).toISOString()
  }
})

/**
 * POST /api/subscriptions/:id/retry-provisioning, only from ERROR or TERMINATED: like a new
 * subscription on the same plan — service claimed, first month charged, slot taken — in one transaction.
 */
export const retryProvisioning = Effect.fn("Provisioning.retry")(function*(userId: string, subscriptionId: string, metadata: EventMetadata) {
  const view = yield* ownSubscription(userId, subscriptionId)
  const plan = (yield* (yield* Catalog).planById(view.planId))!
  const chargeTransactionId = yield* (yield* TransactionIds).next
  const now = yield* nowIso
  const subId = subscriptionStreamId(subscriptionId)
  const quotaId = quotaStreamId(view.planId)
  const guardId = serviceGuardStreamId(userId, view.serviceId)
  yield* runCommand([walletStreamId(userId), quotaId, subId, guardId], (loaded) =>
    Either.gen(function*() {
      const retried = yield* decideSubscription({ _tag: "RetryProvisioning", now, chargeTransactionId }, subStateOf(loaded.get(subId)))
      const event = retried[0]
      if (event?._tag !== "ProvisioningRetried") return []
      const guard = yield* claimService(subscriptionId, [], guardStateOf(loaded.get(guardId)))
      const cause = { _tag: "SubscriptionPeriod" as const, subscriptionId, periodStart: event.periodStart }
      const wallet = yield* planWalletCommands(userId, walletStateOf(loaded.get(walletStreamId(userId))), event.charged > 0
        ? [{ _tag: "ChargeWallet", transactionId: chargeTransactionId, amount: event.charged, reference: chargeReference(cause), cause, description: `${plan.name}, provisioning retried` }]
        : [])
      const taken = yield* decideQuotaStream(loaded, quotaId, { _tag: "TakeSlot", subscriptionId, catalogCapacity: plan.totalQuota })
      return [
        ...guardEvents(guardId, guard),
        ...(wallet.append ? [wallet.append] : []),
        ...taken,
        ...subEvents(subId, retried)
      ]
    }), metadata)
  return (yield* (yield* SubscriptionQueries).find(subscriptionId))!
})

/**
 * PUT /api/instances/:id: display name and environment overrides (values stay out of the event
 * log); the resources are re-applied and a running instance restarted to pick them up.
 */
export const reconfigureInstance = Effect.fn("Provisioning.reconfigure")(function*(
  userId: string,
  subscriptionId: string,
  input: { readonly displayName?: string | undefined; readonly env?: Readonly<Record<string, string>> | undefined }
) {
  const view = yield* ownSubscription(userId, subscriptionId)
  const queries = yield* SubscriptionQueries
  const now = yield* nowIso
  const subId = subscriptionStreamId(subscriptionId)
  yield* runCommand([subId], (loaded) =>
    Either.map(
      decideSubscription({ _tag: "Reconfigure", now, by: userId, displayName: input.displayName ?? null, envKeys: Object.keys(input.env ?? {}).sort() }, subStateOf(loaded.get(subId))),
      (events) => subEvents(subId, events)
    ), { actor: userId })
  if (input.env !== undefined) {
    yield* queries.setInstanceEnv(subscriptionId, { ...(yield* queries.instanceEnv(subscriptionId)), ...input.env }, new Date(now))
    if (view.instanceStatus === "RUNNING") {
      yield* (yield* Cluster).apply(yield* instanceSpecOf(view))
      return yield* controlInstance(userId, subscriptionId, "restart")
    }
  }
  return (yield* queries.find(subscriptionId))!
})
