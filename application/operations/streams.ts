import { Effect, Either, Schema } from "effect"
import {
  InstanceOpsEvent,
  instanceOpsStreamId,
  mayControl,
  noInstanceOps,
  replayInstanceOps
} from "../../domain/operations/index.ts"
import { EventStore, type LoadedStream, type StreamEvents } from "../ports/eventStore.ts"

/** Codec and loader of the instance-ops-<subscriptionId> streams. */
const decode = Schema.decodeUnknownSync(InstanceOpsEvent)
const encode = Schema.encodeSync(InstanceOpsEvent)

export const opsStateOf = (s: LoadedStream | undefined) =>
  replayInstanceOps(
    noInstanceOps,
    (s?.events ?? []).map((e) => decode(e.data))
  )

/**
 * Refuses (InstanceInMaintenance) while an administrator holds the instance in maintenance: the
 * owner's reconfigure and cancel check it before changing anything.
 */
export const ownerMayChange = (subscriptionId: string) =>
  Effect.flatMap(
    Effect.flatMap(EventStore, (store) => store.readStream(instanceOpsStreamId(subscriptionId))),
    (loaded) =>
      Either.match(mayControl(opsStateOf(loaded), subscriptionId, false), {
        onLeft: Effect.fail,
        onRight: () => Effect.void
      })
  )

export const opsEvents = (streamId: string, events: ReadonlyArray<InstanceOpsEvent>): Array<StreamEvents> =>
  events.length === 0 ? [] : [{ streamId, events: events.map((e) => ({ type: e._tag, data: encode(e) })) }]
