import { Schema } from "effect"
import {
  noSubscription,
  replayGuard,
  replaySubscription,
  ServiceGuardEvent,
  SubscriptionEvent
} from "../../domain/subscription/index.ts"
import type { LoadedStream, StreamEvents } from "../ports/eventStore.ts"

/** Codecs and loaders of the subscription-<id> and user-service guard streams. */
const decodeSub = Schema.decodeUnknownSync(SubscriptionEvent)
const encodeSub = Schema.encodeSync(SubscriptionEvent)
const decodeGuard = Schema.decodeUnknownSync(ServiceGuardEvent)
const encodeGuard = Schema.encodeSync(ServiceGuardEvent)

export const subStateOf = (s: LoadedStream | undefined) => replaySubscription(noSubscription, (s?.events ?? []).map((e) => decodeSub(e.data)))
export const guardStateOf = (s: LoadedStream | undefined) => replayGuard((s?.events ?? []).map((e) => decodeGuard(e.data)))

export const subEvents = (streamId: string, events: ReadonlyArray<SubscriptionEvent>): Array<StreamEvents> =>
  events.length === 0 ? [] : [{ streamId, events: events.map((e) => ({ type: e._tag, data: encodeSub(e) })) }]

export const guardEvents = (streamId: string, events: ReadonlyArray<ServiceGuardEvent>): Array<StreamEvents> =>
  events.length === 0 ? [] : [{ streamId, events: events.map((e) => ({ type: e._tag, data: encodeGuard(e) })) }]
