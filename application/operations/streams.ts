import { Effect, Either } from "effect"
import {
  type ClusterAdminEvent,
  clusterAdminStreamId,
  type InstanceOpsEvent,
  instanceOpsStreamId,
  mayControl
} from "../../domain/operations/index.ts"
import { EventStore, type LoadedStream, type StreamEvents } from "../ports/eventStore.ts"
import { clusterAdminStream, instanceOpsStream } from "../shared/streams.ts"

/** The state of an instance-ops-<subscriptionId> stream (derived from its aggregate definition). */
export const opsStateOf = (s: LoadedStream | undefined) => instanceOpsStream.load(s)

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

/** What to append for events decided on an instance-ops stream (no snapshot: `before` is not needed). */
export const opsEvents = (streamId: string, events: ReadonlyArray<InstanceOpsEvent>): ReadonlyArray<StreamEvents> =>
  instanceOpsStream.encode(streamId, instanceOpsStream.load(undefined), events)

/** What to append to the cluster-admin record. */
export const clusterAdminEvents = (events: ReadonlyArray<ClusterAdminEvent>): ReadonlyArray<StreamEvents> =>
  clusterAdminStream.encode(clusterAdminStreamId, null, events)
