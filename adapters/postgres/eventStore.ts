import { Effect, Either, Layer } from "effect"
import {
  type Decision,
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
import { numberResult, numbersFor, numberTransactions, provisionalIdsIn } from "../../application/shared/transactionNumbers.ts"
import { isDatabaseUnavailable, isDeadlock, isUniqueViolation, Pg, type Sql, type Tx } from "./client.ts"
import { projectAll, type Projection } from "./projection.ts"

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

type Unpositioned = Omit<RecordedEvent, "position">

interface SnapshotRow {
  readonly version: number
  readonly hash: string
  readonly state: unknown
}

/** Events chained onto a stream's head, and the head after them. */
const chain = (
  streamId: string,
  head: Head,
  events: ReadonlyArray<NewEvent>,
  metadata: EventMetadata,
  recordedAt: string,
  newEventId: () => string
): { readonly events: Array<Unpositioned>; readonly head: Head } => {
  let prevHash = head.hash
  let version = head.version
  const chained = events.map((event) => {
    version++
    const fields = { streamId, version, eventId: newEventId(), type: event.type, data: event.data, metadata, recordedAt, prevHash }
    const hash = hashEvent(fields)
    prevHash = hash
    return { ...fields, hash }
  })
  return { events: chained, head: { version, hash: prevHash } }
}

/** One command waiting for the next group commit. */
interface Queued {
  readonly streamIds: ReadonlyArray<string>
  readonly decide: (streams: ReadonlyMap<string, LoadedStream>) => Either.Either<Decision<unknown>, unknown>
  readonly metadata: EventMetadata
  readonly recordedAt: Date
  /** Resumed with the decision's result once committed. */
  readonly resume: (effect: Effect.Effect<unknown, unknown>) => void
}

export interface GroupCommitOptions {
  /** Commands decided and committed in one transaction, at most. */
  readonly maxBatch: number
  /** Batches (transactions, connections) in flight at once. */
  readonly maxInFlight: number
}

export const defaultGroupCommit: GroupCommitOptions = { maxBatch: 64, maxInFlight: 4 }

export interface EventStoreOptions {
  /** The inline read models, run in this order in every appending transaction (registered in infra/). */
  readonly projections: ReadonlyArray<Projection>
  readonly groupCommit: GroupCommitOptions
}

const makeStore = (sql: Sql, newEventId: () => string, options: EventStoreOptions) => {
  const { projections, groupCommit } = options
  /**
   * Inserts the events (one statement), the inline projections and the snapshots (one statement)
   * behind it, and COMMIT, all pipelined: one round trip. If any statement fails, Postgres turns
   * the COMMIT into a ROLLBACK and the error is thrown.
   */
  const write = async (
    tx: Tx,
    pending: ReadonlyArray<Unpositioned>,
    snapshots: ReadonlyMap<string, SnapshotRow>
  ): Promise<ReadonlyArray<RecordedEvent>> => {
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
      recorded_at: new Date(e.recordedAt),
      prev_hash: e.prevHash,
      hash: e.hash
    }))
    const inserted = tx<Array<{ position: number }>>`
      insert into events ${tx(rows as never, "stream_id", "stream_version", "event_id", "type", "data", "metadata", "recorded_at", "prev_hash", "hash")}
      returning position`
    // Projections look positions up by event id, so they can be pipelined behind the insert.
    const projected = projectAll(projections, tx, pending.map((e) => ({ ...e, position: 0 })))
    const snapshotRows = [...snapshots].map(([streamId, s]) => ({ stream_id: streamId, version: s.version, last_hash: s.hash, state: tx.json(s.state as never) }))
    const snapshotted = snapshotRows.length === 0 ? [] : [tx`
      insert into snapshots ${tx(snapshotRows as never, "stream_id", "version", "last_hash", "state")}
      on conflict (stream_id) do update set version = excluded.version, last_hash = excluded.last_hash, state = excluded.state`]
    // postgres.js queries are lazy and run in the order they are awaited: insert, projections, COMMIT.
    const settled = await Promise.allSettled([inserted, ...projected, ...snapshotted, tx`commit`])
    const failed = settled.find((r) => r.status === "rejected")
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason
    const positions = (settled[0] as PromiseFulfilledResult<Array<{ position: number }>>).value
    return pending.map((e, i) => ({ ...e, position: positions[i]!.position }))
  }

  /**
   * One transaction on a reserved connection. BEGIN is pipelined with the lock and the load, and
   * `body` ends with COMMIT pipelined behind its writes: two round trips.
   */
  const inTransaction = async <A>(body: (tx: Tx) => Promise<A>): Promise<A> => {
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

  /** How one command's failure reaches its caller: a refusal, a lost race (retried), or a defect. */
  const failureOf = (error: unknown): Effect.Effect<never, unknown> => {
    if (error instanceof Abort) return Effect.fail(error.error)
    if (isUniqueViolation(error) || isDeadlock(error)) {
      // A writer that did not take the lock raced us; the unique key caught it. Retry.
      return Effect.fail(new VersionConflict({ streamId: "?", expectedVersion: -1 }))
    }
    return Effect.die(error)
  }

  const run = <A, E>(body: (tx: Tx) => Promise<A>): Effect.Effect<A, E | VersionConflict> =>
    Effect.async<A, E | VersionConflict>((resume) => {
      inTransaction(body).then(
        (value) => resume(Effect.succeed(value)),
        (error: unknown) => resume(failureOf(error) as Effect.Effect<never, E | VersionConflict>)
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
    const snapshotOf = new Map(snapshotRows.map((r) => [r.stream_id, r]))
    const eventsOf = new Map<string, Array<RecordedEvent>>()
    for (const row of rows) {
      const list = eventsOf.get(row.stream_id)
      if (list === undefined) eventsOf.set(row.stream_id, [toRecordedEvent(row)])
      else list.push(toRecordedEvent(row))
    }
    const loaded = new Map<string, LoadedWithHead>()
    for (const id of sorted) {
      const snap = snapshotOf.get(id)
      const events = eventsOf.get(id) ?? []
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

  /**
   * TXMP numbers for the transfers a decision writes, taken from the sequence in this transaction
   * (issue 12 point 6): a refused command or an unused provisional id takes none, so gaps come only
   * from rollbacks. Taken before chaining, so hashes cover the real numbers; one round trip, only
   * for decisions that write transfers.
   */
  const numberTransfers = async (
    tx: Tx,
    appends: ReadonlyArray<StreamEvents>
  ): Promise<{ readonly appends: ReadonlyArray<StreamEvents>; readonly numbers: ReadonlyMap<string, string> }> => {
    const provisional = provisionalIdsIn(appends)
    if (provisional.length === 0) return { appends, numbers: new Map() }
    const taken = await tx<Array<{ n: number }>>`
      select nextval('transaction_number_seq') as n from generate_series(1, ${provisional.length})`
    const numbers = numbersFor(provisional, taken.map((r) => Number(r.n)).sort((a, b) => a - b))
    return { appends: numberTransactions(appends, numbers), numbers }
  }

  /** A stream's head in the batch; a stream named by a freshly numbered transfer starts empty. */
  const headOf = (working: Map<string, LoadedWithHead>, streamId: string): Head =>
    working.get(streamId)?.head ?? { version: 0, hash: GENESIS_HASH }

  /**
   * Decides one command against the streams as they stand (in `working`), chains its events and
   * advances `working` past them, so the next command of a batch sees them. Throws Abort when
   * the decision refuses.
   */
  const decideInto = async (
    tx: Tx,
    working: Map<string, LoadedWithHead>,
    command: Omit<Queued, "resume">,
    pending: Array<Unpositioned>,
    snapshots: Map<string, SnapshotRow>
  ): Promise<{ readonly written: Array<Unpositioned>; readonly result: unknown }> => {
    const view = new Map<string, LoadedStream>()
    for (const id of command.streamIds) view.set(id, working.get(id)!)
    const decided = command.decide(view)
    if (Either.isLeft(decided)) throw new Abort(decided.left)
    for (const s of decided.right.events) {
      if (!view.has(s.streamId)) throw new Error(`decide wrote to ${s.streamId}, which it did not load`)
    }
    const { appends, numbers } = await numberTransfers(tx, decided.right.events)
    // Everything is computed before `working` changes: a throw (a non-finite number in an event)
    // must leave the batch's state exactly as the previous command left it.
    const heads = new Map<string, Head>()
    const chained = appends.map((s) => {
      const c = chain(s.streamId, heads.get(s.streamId) ?? headOf(working, s.streamId), s.events, command.metadata, command.recordedAt.toISOString(), newEventId)
      heads.set(s.streamId, c.head)
      return c
    })
    const written: Array<Unpositioned> = []
    appends.forEach((s, i) => {
      const { events, head } = chained[i]!
      if (events.length === 0) return
      const stream = working.get(s.streamId) ?? { streamId: s.streamId, version: 0, snapshot: undefined, events: [], head: headOf(working, s.streamId) }
      written.push(...events)
      if (s.snapshot !== undefined) snapshots.set(s.streamId, { version: head.version, hash: head.hash, state: s.snapshot })
      working.set(s.streamId, {
        streamId: s.streamId,
        version: head.version,
        snapshot: s.snapshot === undefined ? stream.snapshot : { version: head.version, state: s.snapshot },
        events: s.snapshot === undefined ? [...stream.events, ...events.map((e) => ({ ...e, position: 0 }))] : [],
        head
      })
    })
    pending.push(...written)
    // The caller sees the numbers written, not the provisional ids its decision named.
    return { written, result: numberResult(decided.right.result, numbers) }
  }

  /** One command, one transaction (also the fallback of a batch that failed in SQL). */
  const transactOne = (command: Omit<Queued, "resume">): Promise<Effect.Effect<unknown, unknown>> =>
    inTransaction(async (tx) => {
      const working = await lockAndLoad(tx, command.streamIds)
      const pending: Array<Unpositioned> = []
      const snapshots = new Map<string, SnapshotRow>()
      const { result } = await decideInto(tx, working, command, pending, snapshots)
      await write(tx, pending, snapshots)
      return result
    }).then(Effect.succeed, failureOf)

  /**
   * Group commit: several waiting commands in one transaction. The union of their streams is
   * locked in sorted order and loaded once; each command is decided in arrival order against the
   * state the previous ones left (a serial order); a refused or broken decision writes nothing
   * and touches no other command. If the batch fails in SQL (nothing committed), every command
   * is run again on its own, so one bad command never fails its neighbours.
   */
  const transactBatch = async (batch: ReadonlyArray<Queued>) => {
    const outcomes: Array<{ readonly result?: unknown; readonly error?: unknown }> = []
    try {
      await inTransaction(async (tx) => {
        const working = await lockAndLoad(tx, batch.flatMap((c) => c.streamIds))
        const pending: Array<Unpositioned> = []
        const snapshots = new Map<string, SnapshotRow>()
        for (const command of batch) {
          try {
            outcomes.push({ result: (await decideInto(tx, working, command, pending, snapshots)).result })
          } catch (error) {
            outcomes.push({ error })
          }
        }
        return write(tx, pending, snapshots)
      })
    } catch (error) {
      // A lost connection may have committed: the outcome is unknown, as for a single command.
      if (isDatabaseUnavailable(error)) return batch.forEach((c) => c.resume(Effect.die(error)))
      // Any other failure rolled the whole batch back: each command runs again on its own.
      await Promise.all(batch.map(async (c) => c.resume(await transactOne(c))))
      return
    }
    batch.forEach((command, i) => {
      const outcome = outcomes[i]!
      command.resume("error" in outcome ? failureOf(outcome.error) : Effect.succeed(outcome.result))
    })
  }

  // The queue of the group commit: a batch starts as soon as a transaction slot is free.
  const queue: Array<Queued> = []
  let inFlight = 0
  let scheduled = false
  const startBatches = () => {
    scheduled = false
    while (inFlight < groupCommit.maxInFlight && queue.length > 0) {
      const batch = queue.splice(0, groupCommit.maxBatch)
      inFlight++
      const done = () => {
        inFlight--
        schedule()
      }
      const ran = batch.length === 1 ? transactOne(batch[0]!).then(batch[0]!.resume) : transactBatch(batch)
      ran.then(done, done)
    }
  }
  // Commands issued in the same turn of the event loop join one batch; an idle store waits no longer.
  const schedule = () => {
    if (!scheduled && queue.length > 0 && inFlight < groupCommit.maxInFlight) {
      scheduled = true
      setImmediate(startBatches)
    }
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
        const pending = appends.flatMap((a) => {
          const chained = chain(a.streamId, loaded.get(a.streamId)!.head, a.events, metadata, recordedAt.toISOString(), newEventId)
          loaded.set(a.streamId, { ...loaded.get(a.streamId)!, head: chained.head })
          return chained.events
        })
        return write(tx, pending, new Map())
      }),
    transact: <A, E>(
      streamIds: ReadonlyArray<string>,
      decide: (streams: ReadonlyMap<string, LoadedStream>) => Either.Either<Decision<A>, E>,
      metadata: EventMetadata,
      recordedAt: Date
    ) =>
      Effect.async<A, E | VersionConflict>((resume) => {
        queue.push({ streamIds, decide, metadata, recordedAt, resume: resume as Queued["resume"] })
        schedule()
      }),
    load: (streamIds) =>
      Effect.promise(() =>
        // One snapshot of the database for snapshots and events alike; no locks taken.
        sql.begin("isolation level repeatable read read only", async (tx) => {
          const sorted = [...new Set(streamIds)].sort()
          const snapshotRows = await tx<Array<{ stream_id: string; version: number; state: unknown }>>`
            select stream_id, version, state from snapshots where stream_id = any(${sorted})`
          const rows = await tx<Array<EventRow>>`
            select ${tx.unsafe(eventColumns.split(", ").map((c) => `e.${c}`).join(", "))}
            from unnest(${sorted}::text[]) as ids(id)
            left join snapshots s on s.stream_id = ids.id
            join events e on e.stream_id = ids.id and e.stream_version > coalesce(s.version, 0)
            order by e.stream_id, e.stream_version`
          return new Map(sorted.map((id): [string, LoadedStream] => {
            const snap = snapshotRows.find((r) => r.stream_id === id)
            const events = rows.filter((r) => r.stream_id === id).map(toRecordedEvent)
            const version = events[events.length - 1]?.version ?? snap?.version ?? 0
            return [id, { streamId: id, version, snapshot: snap && { version: snap.version, state: snap.state }, events }]
          }))
        })
      ),
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

/** The Postgres event store with its read models and group commit bounds (tests vary them). */
export const eventStorePostgres = (options: EventStoreOptions) =>
  Layer.effect(
    EventStore,
    Effect.gen(function*() {
      const sql = yield* Pg
      const ids = yield* IdGenerator
      return makeStore(sql, () => Effect.runSync(ids.uuid), options)
    })
  )
