import { Effect, Either, Schema } from "effect"
import { couponAggregate } from "../../domain/coupon/index.ts"
import { walletAggregate } from "../../domain/ledger/index.ts"
import { clusterAdminAggregate, instanceOpsAggregate } from "../../domain/operations/index.ts"
import { paymentAggregate } from "../../domain/payment/index.ts"
import { quotaAggregate } from "../../domain/quota/index.ts"
import { type Aggregate, fold, type Outcome } from "../../domain/shared/index.ts"
import { serviceGuardAggregate, subscriptionAggregate } from "../../domain/subscription/index.ts"
import {
  EventStore,
  type EventMetadata,
  type LoadedStream,
  type RecordedEvent,
  type StreamEvents,
  type VersionConflict
} from "../ports/eventStore.ts"
import { runCommand } from "./runCommand.ts"

/** Loading and encoding of one aggregate's streams, derived from its definition. */
export interface Stream<State, Event> {
  /** Snapshot (if any) plus the events after it. */
  readonly load: (stream: LoadedStream | undefined) => State
  /** Our own stored events always decode; a failure here is corruption, surfaced by the audit. */
  readonly decode: (event: RecordedEvent) => Event
  /** What to append for `events` decided on `before`, with the snapshot after them. */
  readonly encode: (streamId: string, before: State, events: ReadonlyArray<Event>) => ReadonlyArray<StreamEvents>
}

export const streamOf = <State, Event extends { readonly _tag: string }, Snapshot>(
  aggregate: Aggregate<State, Event, Snapshot>
): Stream<State, Event> => {
  const decode = Schema.decodeUnknownSync(aggregate.event)
  const encode = Schema.encodeSync(aggregate.event)
  const snapshot = aggregate.snapshot
  const decodeSnapshot = snapshot && Schema.decodeUnknownSync(snapshot.schema)
  const encodeSnapshot = snapshot && Schema.encodeSync(snapshot.schema)
  return {
    load: (stream) => {
      const from =
        stream?.snapshot === undefined || snapshot === undefined
          ? aggregate.initial
          : snapshot.state(decodeSnapshot!(stream.snapshot.state))
      return fold(
        aggregate,
        from,
        (stream?.events ?? []).map((e) => decode(e.data))
      )
    },
    decode: (event) => decode(event.data),
    encode: (streamId, before, events) =>
      events.length === 0
        ? []
        : [
            {
              streamId,
              events: events.map((e) => ({ type: e._tag, data: encode(e) })),
              ...(snapshot === undefined
                ? {}
                : { snapshot: encodeSnapshot!(snapshot.of(fold(aggregate, before, events))) })
            }
          ]
  }
}

export const walletStream = streamOf(walletAggregate)
export const quotaStream = streamOf(quotaAggregate)
export const couponStream = streamOf(couponAggregate)
export const paymentStream = streamOf(paymentAggregate)
export const subscriptionStream = streamOf(subscriptionAggregate)
export const serviceGuardStream = streamOf(serviceGuardAggregate)
export const instanceOpsStream = streamOf(instanceOpsAggregate)
export const clusterAdminStream = streamOf(clusterAdminAggregate)

/** One stream a command reads and may write, and how to load and encode it. */
export interface Bound<State, Event> {
  readonly stream: Stream<State, Event>
  readonly id: string
}
export const bind = <State, Event>(stream: Stream<State, Event>, id: string): Bound<State, Event> => ({ stream, id })

type Bindings = Readonly<Record<string, Bound<any, any>>>
export type StatesOf<B extends Bindings> = {
  readonly [K in keyof B]: NonNullable<B[K]> extends Bound<infer S, any> ? S : never
}
export type EventsOf<B extends Bindings> = {
  readonly [K in keyof B]?: ReadonlyArray<NonNullable<B[K]> extends Bound<any, infer E> ? E : never>
}

const statesOf = <B extends Bindings>(streams: B, loaded: ReadonlyMap<string, LoadedStream>): StatesOf<B> =>
  Object.fromEntries(Object.entries(streams).map(([name, b]) => [name, b.stream.load(loaded.get(b.id))])) as StatesOf<B>

/**
 * A use case's whole command: lock and load the named streams, run the pure decision over their
 * states, append its events per stream (in the order the streams are named), return its result.
 */
export const decideOn = <B extends Bindings, A, E>(
  streams: B,
  decide: (states: StatesOf<B>) => Either.Either<Outcome<EventsOf<B>, A>, E>,
  metadata: EventMetadata
): Effect.Effect<A, E | VersionConflict, EventStore> =>
  runCommand(
    Object.values(streams).map((b) => b.id),
    (loaded) => {
      const states = statesOf(streams, loaded)
      return Either.map(decide(states), ({ events, result }) => {
        const unknown = Object.entries(events).find(
          ([name, written]) => !(name in streams) && (written as ReadonlyArray<unknown>).length > 0
        )?.[0]
        if (unknown !== undefined) throw new Error(`the decision wrote to "${unknown}", a stream it was not given`)
        return {
          result,
          events: Object.entries(streams).flatMap(([name, b]) =>
            b.stream.encode(b.id, states[name], events[name] ?? [])
          )
        }
      })
    },
    metadata
  )

/** The named streams' states as a command would see them, read without locks (dry runs). */
export const peekAt = <B extends Bindings>(streams: B): Effect.Effect<StatesOf<B>, never, EventStore> =>
  Effect.map(
    Effect.flatMap(EventStore, (store) => store.load(Object.values(streams).map((b) => b.id))),
    (loaded) => statesOf(streams, loaded)
  )
