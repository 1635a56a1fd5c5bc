import { Context, Schema, type Effect, type Either } from "effect"

/** Who and what caused an append; stored beside each event (DESIGN.md §3). */
export interface EventMetadata {
  readonly actor?: string
  readonly causationId?: string
  readonly correlationId?: string
  readonly idempotencyKey?: string
  readonly reason?: string
}

/** An event to append: `data` is already Schema-encoded JSON. */
export interface NewEvent {
  readonly type: string
  readonly data: unknown
}

export interface RecordedEvent {
  /** Global position, commit-safe order (see readAll). */
  readonly position: number
  readonly streamId: string
  /** 1-based, gap-free within a stream. */
  readonly version: number
  readonly eventId: string
  readonly type: string
  readonly data: unknown
  readonly metadata: EventMetadata
  /** ISO-8601 UTC, from the Clock. */
  readonly recordedAt: string
  readonly prevHash: string
  readonly hash: string
}

/** A decider's state at some version, stored beside the stream so loads stay O(1). */
export interface Snapshot {
  readonly version: number
  readonly state: unknown
}

export interface LoadedStream {
  readonly streamId: string
  /** 0 for a stream with no events. */
  readonly version: number
  /** The latest snapshot, if any; `events` are then only those after it. */
  readonly snapshot?: Snapshot | undefined
  readonly events: ReadonlyArray<RecordedEvent>
}

export interface StreamAppend {
  readonly streamId: string
  readonly expectedVersion: number
  readonly events: ReadonlyArray<NewEvent>
}

export interface StreamEvents {
  readonly streamId: string
  readonly events: ReadonlyArray<NewEvent>
  /** The decider's encoded state after these events, stored as the stream's snapshot. */
  readonly snapshot?: unknown
}

/** What a command decided: the events to append per stream, and what it tells its caller. */
export interface Decision<A> {
  readonly events: ReadonlyArray<StreamEvents>
  readonly result: A
}

export class VersionConflict extends Schema.TaggedError<VersionConflict>()("VersionConflict", {
  streamId: Schema.String,
  expectedVersion: Schema.Number
}) {}

export interface EventStoreService {
  /** Appends to several streams in one transaction, all or nothing, each at its expected version. */
  readonly append: (
    appends: ReadonlyArray<StreamAppend>,
    metadata: EventMetadata,
    recordedAt: Date
  ) => Effect.Effect<ReadonlyArray<RecordedEvent>, VersionConflict>
  /**
   * Locks the streams (sorted order), loads them, runs the pure `decide` and appends its events
   * at the loaded versions — one transaction. Inline projections run in the same transaction.
   * Returns the decision's result once committed.
   */
  readonly transact: <A, E>(
    streamIds: ReadonlyArray<string>,
    decide: (streams: ReadonlyMap<string, LoadedStream>) => Either.Either<Decision<A>, E>,
    metadata: EventMetadata,
    recordedAt: Date
  ) => Effect.Effect<A, E | VersionConflict>
  /**
   * The streams as `transact` would load them (snapshot and the events after it), consistent
   * with each other, without locks: for dry runs, which decide and write nothing.
   */
  readonly load: (streamIds: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, LoadedStream>>
  /** Every event of the stream, never a snapshot. */
  readonly readStream: (streamId: string) => Effect.Effect<LoadedStream>
  /** Events after a global position, in order, never skipping one whose transaction commits later. */
  readonly readAll: (afterPosition: number, limit: number) => Effect.Effect<ReadonlyArray<RecordedEvent>>
}

export class EventStore extends Context.Tag("app/EventStore")<EventStore, EventStoreService>() {}
