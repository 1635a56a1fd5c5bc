import { Effect, Either, Layer } from "effect"
import type postgres from "postgres"
import {
  EventStore,
  type EventMetadata,
  type LoadedStream,
  type NewEvent,
  type RecordedEvent,
  type StreamEvents,
  VersionConflict
} from "../../application/ports/eventStore.ts"
import { IdGenerator } from "../../application/ports/ids.ts"
import { GENESIS_HASH, hashEvent } from "../../application/shared/eventHash.ts"
import { isUniqueViolation, Pg, type Sql } from "./client.ts"
import { walletProjector } from "./walletReadModel.ts"

type Tx = postgres.TransactionSql<{ bigint: number }>

/**
 * Runs in the appending transaction; returns statements to pipeline after the event inserts.
 * Each statement must write exactly one row: anything else aborts the append.
 */
export type PostgresProjector = (tx: Tx, events: ReadonlyArray<RecordedEvent>) => ReadonlyArray<Promise<unknown>>

const projectors: ReadonlyArray<PostgresProjector> = [walletProjector]

interface EventRow {
  position: number
  stream_id: string
  stream_version: number
  event_id: string
  type: string
  data: unknown
  metadata: EventMetadata
  recorded_at: Date
  prev_hash: string
  hash: string
}

const eventColumns = "position, stream_id, stream_version, event_id, type, data, metadata, recorded_at, prev_hash, hash"

export const toRecordedEvent = (row: EventRow): RecordedEvent => ({
  position: row.position,
  streamId: row.stream_id,
  version: row.stream_version,
  eventId: row.event_id,
  type: row.type,
  data: row.data,
  metadata: row.metadata,
  recordedAt: row.recorded_at.toISOString(),
  prevHash: row.prev_hash,
  hash: row.hash
})

/** A rejected decision or a lost race, carried out of the postgres.js transaction callback. */
class Abort<E> {
  constructor(readonly error: E) {}
}

interface Head {
  readonly version: number
  readonly hash: string
  readonly exists: boolean
}

const makeStore = (sql: Sql, newEventId: () => string) => {
  /** Inserts events and moves stream heads; the inline projections ride in the same pipeline. */
  const write = async (
    tx: Tx,
    appends: ReadonlyArray<{ streamId: string; head: Head; events: ReadonlyArray<NewEvent> }>,
    metadata: EventMetadata,
    recordedAt: Date
  ): Promise<ReadonlyArray<RecordedEvent>> => {
    const pending: Array<Omit<RecordedEvent, "position">> = []
    const headWrites: Array<Promise<{ count: number }>> = []
    const conflicts: Array<VersionConflict> = []
    for (const { streamId, head, events } of appends) {
      if (events.length === 0) continue
      let prevHash = head.hash
      let version = head.version
      for (const event of events) {
        version++
        const fields = {
          streamId,
          version,
          eventId: newEventId(),
          type: event.type,
          data: event.data,
          metadata,
          recordedAt: recordedAt.toISOString(),
          prevHash
        }
        const hash = hashEvent(fields)
        pending.push({ ...fields, hash })
        prevHash = hash
      }
      const conflict = new VersionConflict({ streamId, expectedVersion: head.version })
      conflicts.push(conflict)
      headWrites.push(
        head.exists
          ? tx`update streams set version = ${version}, last_hash = ${prevHash}
               where stream_id = ${streamId} and version = ${head.version}`
          : tx`insert into streams (stream_id, version, last_hash) values (${streamId}, ${version}, ${prevHash})
               on conflict (stream_id) do nothing`
      )
    }
    if (pending.length === 0) return []
    const rows = pending.map((e) => ({
      stream_id: e.streamId,
      stream_version: e.version,
      event_id: e.eventId,
      type: e.type,
      data: e.data,
      metadata: e.metadata,
      recorded_at: recordedAt,
      prev_hash: e.prevHash,
      hash: e.hash
    }))
    const inserted = tx<Array<{ position: number }>>`
      insert into events ${tx(rows as never, "stream_id", "stream_version", "event_id", "type", "data", "metadata", "recorded_at", "prev_hash", "hash")}
      returning position`
    // Projections look positions up by event id, so they can be pipelined behind the insert.
    const provisional = pending.map((e) => ({ ...e, position: 0 }))
    const projected = projectors.flatMap((project) => project(tx, provisional))
    // postgres.js queries are lazy and run in the order they are awaited: insert, heads, projections.
    const [positions, ...rest] = await Promise.all([inserted, ...headWrites, ...projected])
    rest.slice(0, headWrites.length).forEach((result, i) => {
      if ((result as { count: number }).count !== 1) throw new Abort(conflicts[i]!)
    })
    if (rest.slice(headWrites.length).some((result) => (result as { count: number }).count !== 1)) {
      throw new Error("an inline projection did not write its row")
    }
    return pending.map((e, i) => ({ ...e, position: (positions as Array<{ position: number }>)[i]!.position }))
  }

  const run = <A, E>(body: (tx: Tx) => Promise<A>): Effect.Effect<A, E | VersionConflict> =>
    Effect.async<A, E | VersionConflict>((resume) => {
      sql.begin((tx) => body(tx as Tx)).then(
        (value) => resume(Effect.succeed(value as A)),
        (error: unknown) => {
          if (error instanceof Abort) return resume(Effect.fail(error.error as E | VersionConflict))
          if (isUniqueViolation(error)) {
            // Two commands created the same stream at once: the backstop unique key caught it.
            return resume(Effect.fail(new VersionConflict({ streamId: "?", expectedVersion: -1 })))
          }
          resume(Effect.die(error))
        }
      )
    })

  const lockAndLoad = async (tx: Tx, streamIds: ReadonlyArray<string>) => {
    const sorted = [...new Set(streamIds)].sort()
    // Pipelined: the load runs on the backend after the locks are held.
    const [heads, rows] = await Promise.all([
      tx<Array<{ stream_id: string; version: number; last_hash: string }>>`
        select stream_id, version, last_hash from streams
        where stream_id = any(${sorted}) order by stream_id for update`,
      tx<Array<EventRow>>`
        select ${tx.unsafe(eventColumns)} from events
        where stream_id = any(${sorted}) order by stream_id, stream_version`
    ])
    const loaded = new Map<string, LoadedStream>()
    const headOf = new Map<string, Head>()
    for (const id of sorted) {
      const head = heads.find((h) => h.stream_id === id)
      const events = rows.filter((r) => r.stream_id === id).map(toRecordedEvent)
      headOf.set(id, head ? { version: head.version, hash: head.last_hash, exists: true } : { version: 0, hash: GENESIS_HASH, exists: false })
      loaded.set(id, { streamId: id, version: head?.version ?? 0, events })
    }
    return { loaded, headOf }
  }

  return EventStore.of({
    append: (appends, metadata, recordedAt) =>
      run((tx) =>
        lockAndLoad(tx, appends.map((a) => a.streamId)).then(({ headOf }) => {
          for (const a of appends) {
            if (headOf.get(a.streamId)!.version !== a.expectedVersion) {
              throw new Abort(new VersionConflict({ streamId: a.streamId, expectedVersion: a.expectedVersion }))
            }
          }
          return write(tx, appends.map((a) => ({ streamId: a.streamId, head: headOf.get(a.streamId)!, events: a.events })), metadata, recordedAt)
        })
      ),
    transact: <E>(
      streamIds: ReadonlyArray<string>,
      decide: (streams: ReadonlyMap<string, LoadedStream>) => Either.Either<ReadonlyArray<StreamEvents>, E>,
      metadata: EventMetadata,
      recordedAt: Date
    ) =>
      run<ReadonlyArray<RecordedEvent>, E>(async (tx) => {
        const { loaded, headOf } = await lockAndLoad(tx, streamIds)
        const decision = decide(loaded)
        if (Either.isLeft(decision)) throw new Abort(decision.left)
        const appends = decision.right.map((s) => {
          const head = headOf.get(s.streamId)
          if (head === undefined) throw new Error(`decide wrote to ${s.streamId}, which it did not load`)
          return { streamId: s.streamId, head, events: s.events }
        })
        return write(tx, appends, metadata, recordedAt)
      }),
    readStream: (streamId) =>
      Effect.promise(async () => {
        const rows = await sql<Array<EventRow>>`
          select ${sql.unsafe(eventColumns)} from events where stream_id = ${streamId} order by stream_version`
        return { streamId, version: rows.length === 0 ? 0 : rows[rows.length - 1]!.stream_version, events: rows.map(toRecordedEvent) }
      }),
    readAll: (afterPosition, limit) =>
      Effect.promise(async () => {
        // Only rows of transactions older than every running one: a later commit of a lower
        // position can no longer appear behind the reader (commit-safe order).
        const rows = await sql<Array<EventRow>>`
          select ${sql.unsafe(eventColumns)} from events
          where position > ${afterPosition} and tx_id < pg_snapshot_xmin(pg_current_snapshot())
          order by position limit ${limit}`
        return rows.map(toRecordedEvent)
      })
  })
}

export const EventStorePostgres = Layer.effect(
  EventStore,
  Effect.gen(function*() {
    const sql = yield* Pg
    const ids = yield* IdGenerator
    return makeStore(sql, () => Effect.runSync(ids.uuid))
  })
)
