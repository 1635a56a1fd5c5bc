import { Schema } from "effect"
import { InstanceOpsEvent, noInstanceOps, replayInstanceOps } from "../../domain/operations/index.ts"
import type { LoadedStream, StreamEvents } from "../ports/eventStore.ts"

/** Codec and loader of the instance-ops-<subscriptionId> streams. */
const decode = Schema.decodeUnknownSync(InstanceOpsEvent)
const encode = Schema.encodeSync(InstanceOpsEvent)

export const opsStateOf = (s: LoadedStream | undefined) => replayInstanceOps(noInstanceOps, (s?.events ?? []).map((e) => decode(e.data)))

export const opsEvents = (streamId: string, events: ReadonlyArray<InstanceOpsEvent>): Array<StreamEvents> =>
  events.length === 0 ? [] : [{ streamId, events: events.map((e) => ({ type: e._tag, data: encode(e) })) }]
