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
import { isDeadlock, isUniqueViolation, Pg, type Sql } from "./client.ts"
import { couponProjector } from "./coupons.ts"
import { instanceOpsProjector } from "./instanceOpsReadModel.ts"
import { notificationProjector } from "./notifications.ts"
import { paymentProjector } from "./paymentReadModel.ts"
import { quotaProjector } from "./quotaReadModel.ts"
import { subscriptionProjector } from "./subscriptionReadModel.ts"
import { walletProjector } from "./walletReadModel.ts"

type Tx = postgres.ReservedSql<{ bigint: number }>

/**
 * Runs in the appending transaction; returns statements pipelined after the event inserts and
 * before COMMIT. A statement that cannot apply its event must raise an error (not just write
 * nothing): the pipelined COMMIT then ends the transaction as a rollback.
 */
export type PostgresProjector = (tx: Tx, events: ReadonlyArray<RecordedEvent>) => ReadonlyArray<Promise<unknown>>

// The notification outbox goes last: it reads the rows the projections before it just wrote.
const projectors: ReadonlyArray<PostgresProjector> = [walletProjector, paymentProjector, quotaProjector, subscriptionProjector, couponProjector, instanceOpsProjector, notificationProjector]

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
}

interface LoadedWithHead extends LoadedStream {
  readonly head: Head
}

const makeStore = (sql: Sql, newEventId: () => string) => {
  /** Inserts the events; the inline projections ride in the same pipeline, in the same transaction. */
  const write = async (
    tx: Tx,
    appends: ReadonlyArray<{ streamId: string; head: Head; events: ReadonlyArray<NewEvent>; snapshot?: unknown }>,
    metadata: EventMetadata,
    recordedAt: Date
  ): Promise<ReadonlyArray<RecordedEvent>> => {
    const pending: Array<Omit<RecordedEvent, "position">> = []
    const snapshots: Array<Promise<unknown>> = []
    for (const { streamId, head, events, snapshot } of appends) {
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
      if (snapshot !== undefined && events.length > 0) {
        snapshots.push(tx`insert into snapshots (stream_id, version, last_hash, state)
          values (${streamId}, ${version}, ${prevHash}, ${tx.json(snapshot as never)})
          on conflict (stream_id) do update set
            version = excluded.version, last_hash = excluded.last_hash, state = excluded.state`)
      }
    }
    if (pending.length === 0) {
      await tx`commit`
      return []
    }
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
    const projected = projectors.flatMap((project) => project(tx, pending.map((e) => ({ ...e, position: 0 }))))
    // postgres.js queries are lazy and run in the order they are awaited: insert, projections, COMMIT.
    // One round trip; if any statement fails, Postgres turns the COMMIT into a ROLLBACK.
    const settled = await Promise.allSettled([inserted, ...projected, ...snapshots, tx`commit`])
    const failed = settled.find((r) => r.status === "rejected")
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason
    const positions = (settled[0] as PromiseFulfilledResult<Array<{ position: number }>>).value
    return pending.map((e, i) => ({ ...e, position: positions[i]!.position }))
  }

  /**
   * One transaction on a reserved connection. BEGIN is pipelined with the lock and the load, and
   * `body` ends with COMMIT pipelined behind its writes: two round trips per command.
   */
  const run = <A, E>(body: (tx: Tx) => Promise<A>): Effect.Effect<A, E | VersionConflict> =>
    Effect.async<A, E | VersionConflict>((resume) => {
      const attempt = async () => {
        const tx = (await sql.reserve()) as unknown as Tx
        try {
          return await body(tx)
        } catch (error) {
          // Ends a transaction a failure left open (after a pipelined COMMIT it is a no-op warning).
          await tx`rollback`.catch(() => undefined)
          throw error
        } finally {
          tx.release()
        }
      }
      attempt().then(
        (value) => resume(Effect.succeed(value)),
        (error: unknown) => {
          if (error instanceof Abort) return resume(Effect.fail(error.error as E | VersionConflict))
          if (isUniqueViolation(error) || isDeadlock(error)) {
            // A writer that did not take the lock raced us; the unique key caught it. Retry.
            return resume(Effect.fail(new VersionConflict({ streamId: "?", expectedVersion: -1 })))
          }
          resume(Effect.die(error))
        }
      )
    })

  /** Serialises commands per stream (sorted, so two commands never deadlock), then loads. */
  const lockAndLoad = async (tx: Tx, streamIds: ReadonlyArray<string>): Promise<Map<string, LoadedWithHead>> => {
    const sorted = [...new Set(streamIds)].sort()
    // Pipelined with BEGIN: the loads run on the backend after the locks are held.
    const [, , snapshotRows, rows] = await Promise.all([
      tx`begin`,
      sorted.length === 1
        ? tx`select pg_advisory_xact_lock(hashtextextended(${sorted[0]!}, 0))`
        : tx`select pg_advisory_xact_lock(hashtextextended(id, 0)) from unnest(${sorted}::text[]) with ordinality as s(id, n) order by n`,
      tx<Array<{ stream_id: string; version: number; last_hash: string; state: unknown }>>`
        select stream_id, version, last_hash, state from snapshots where stream_id = any(${sorted})`,
      // A join, so each stream is an index range scan starting after its snapshot (a correlated
      // subquery in the WHERE clause would scan the whole stream and filter).
      tx<Array<EventRow>>`
        select ${tx.unsafe(eventColumns.split(", ").map((c) => `e.${c}`).join(", "))}
        from unnest(${sorted}::text[]) as ids(id)
        left join snapshots s on s.stream_id = ids.id
        join events e on e.stream_id = ids.id and e.stream_version > coalesce(s.version, 0)
        order by e.stream_id, e.stream_version`
    ])
    const loaded = new Map<string, LoadedWithHead>()
    for (const id of sorted) {
      const snap = snapshotRows.find((r) => r.stream_id === id)
      const events = rows.filter((r) => r.stream_id === id).map(toRecordedEvent)
      const last = events[events.length - 1]
      const head = last
        ? { version: last.version, hash: last.hash }
        : snap
        ? { version: snap.version, hash: snap.last_hash }
        : { version: 0, hash: GENESIS_HASH }
      loaded.set(id, {
        streamId: id,
        version: head.version,
        snapshot: snap && { version: snap.version, state: snap.state },
        events,
        head
      })
    }
    return loaded
  }

  return EventStore.of({
    append: (appends, metadata, recordedAt) =>
      run(async (tx) => {
        const loaded = await lockAndLoad(tx, appends.map((a) => a.streamId))
        for (const a of appends) {
          if (loaded.get(a.streamId)!.version !== a.expectedVersion) {
            throw new Abort(new VersionConflict({ streamId: a.streamId, expectedVersion: a.expectedVersion }))
          }
        }
        return write(tx, appends.map((a) => ({ streamId: a.streamId, head: loaded.get(a.streamId)!.head, events: a.events })), metadata, recordedAt)
      }),
    transact: <E>(
      streamIds: ReadonlyArray<string>,
      decide: (streams: ReadonlyMap<string, LoadedStream>) => Either.Either<ReadonlyArray<StreamEvents>, E>,
      metadata: EventMetadata,
      recordedAt: Date
    ) =>
      run<ReadonlyArray<RecordedEvent>, E>(async (tx) => {
        const loaded = await lockAndLoad(tx, streamIds)
        const decision = decide(loaded)
        if (Either.isLeft(decision)) throw new Abort(decision.left)
        const appends = decision.right.map((s) => {
          const stream = loaded.get(s.streamId)
          if (stream === undefined) throw new Error(`decide wrote to ${s.streamId}, which it did not load`)
          return { streamId: s.streamId, head: stream.head, events: s.events, snapshot: s.snapshot }
        })
        return write(tx, appends, metadata, recordedAt)
      }),
    readStream: (streamId) =>
      Effect.promise(async () => {
        const rows = await sql<Array<EventRow>>`
          select ${sql.unsafe(eventColumns)} from events where stream_id = ${streamId} order by stream_version`
        return { streamId, version: rows.length, events: rows.map(toRecordedEvent) }
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
