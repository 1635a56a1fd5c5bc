import { Clock, Effect, Either } from "effect"
import { decideMaintenance, instanceOpsStreamId } from "../../domain/operations/index.ts"
import { subscriptionStreamId } from "../../domain/subscription/index.ts"
import { EventStore } from "../ports/eventStore.ts"
import { InstanceOpsQueries } from "../ports/instanceOps.ts"
import { SubscriptionQueries } from "../ports/subscriptionQueries.ts"
import { WalletQueries } from "../ports/walletQueries.ts"
import { runCommand } from "../shared/runCommand.ts"
import { SubscriptionNotFound } from "../subscription/errors.ts"
import { controlInstanceOf } from "../subscription/instances.ts"
import { subscriptionView } from "../subscription/views.ts"
import { opsEvents, opsStateOf } from "./streams.ts"

const anySubscription = (subscriptionId: string) =>
  Effect.flatMap(
    Effect.flatMap(SubscriptionQueries, (q) => q.find(subscriptionId)),
    (view) => (view === undefined ? Effect.fail(new SubscriptionNotFound({ subscriptionId })) : Effect.succeed(view))
  )

const opsViewOf = (subscriptionId: string) =>
  Effect.map(
    Effect.flatMap(InstanceOpsQueries, (q) => q.find(subscriptionId)),
    (v) => v ?? null
  )

/** PUT /api/admin/instances/:id/restart · stop · start: any tenant's instance, maintenance or not; the admin and the reason go in the event metadata. */
export const adminControlInstance = Effect.fn("Operations.adminControl")(function* (
  adminId: string,
  subscriptionId: string,
  action: "stop" | "start" | "restart",
  reason: string
) {
  const view = yield* anySubscription(subscriptionId)
  return yield* subscriptionView(
    yield* controlInstanceOf(view, { id: adminId, administrator: true }, action, { actor: adminId, reason })
  )
})

/** PUT /api/admin/instances/:id/maintenance: on or off (asking for the current state changes nothing). */
export const setMaintenance = Effect.fn("Operations.setMaintenance")(function* (
  adminId: string,
  subscriptionId: string,
  enabled: boolean,
  reason: string
) {
  const view = yield* anySubscription(subscriptionId)
  const streamId = instanceOpsStreamId(view.id)
  const now = new Date(yield* Clock.currentTimeMillis).toISOString()
  yield* runCommand(
    [streamId],
    (loaded) =>
      Either.right({
        events: opsEvents(
          streamId,
          decideMaintenance(opsStateOf(loaded.get(streamId)), {
            subscriptionId: view.id,
            enabled,
            by: adminId,
            reason,
            now
          })
        ),
        result: undefined
      }),
    { actor: adminId, reason }
  )
  return { subscription: yield* subscriptionView(view), operations: yield* opsViewOf(view.id) }
})

/** GET /api/admin/subscriptions/:id: the subscription with its instance's operating state, its events and its ledger lines. */
export const adminSubscriptionDetail = Effect.fn("Operations.adminDetail")(function* (subscriptionId: string) {
  const view = yield* anySubscription(subscriptionId)
  const store = yield* EventStore
  const [subscriptionStream, opsStream] = yield* Effect.all(
    [store.readStream(subscriptionStreamId(view.id)), store.readStream(instanceOpsStreamId(view.id))],
    { concurrency: 2 }
  )
  const events = [...subscriptionStream.events, ...opsStream.events]
    .sort((a, b) => a.position - b.position)
    .map((e) => ({
      position: e.position,
      streamId: e.streamId,
      type: e.type,
      data: e.data,
      metadata: { ...e.metadata } as Readonly<Record<string, unknown>>,
      recordedAt: e.recordedAt
    }))
  const transactions = yield* (yield* WalletQueries).subscriptionTransactions(view.userId, view.id)
  return { subscription: yield* subscriptionView(view), operations: yield* opsViewOf(view.id), events, transactions }
})
