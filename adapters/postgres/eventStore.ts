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
import {
  mentionsProvisional,
  numberResult,
  numbersFor,
  numberTransactions,
  provisionalIdsIn
} from "../../application/shared/transactionNumbers.ts"
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

/** A refusal that names a provisional id of its batch: the batch is run again command by command. */
class RefusalNamesBatchNumber extends Error {}

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
    const fields = {
      streamId,
      version,
      eventId: newEventId(),
      type: event.type,
      data: event.data,
      metadata,
      recordedAt,
      prevHash
    }
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
   * Inserts the events (one statement), the snapshots (one statement) and the inline projections
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
    // One statement text whatever the batch size (rows travel as one JSON parameter): postgres.js
    // prepares it once per connection, and a statement it has not prepared yet would stop the
    // pipeline (it waits for the description before sending what follows).
    const rows = pending.map((e, n) => ({
      n,
      stream_id: e.streamId,
      stream_version: e.version,
      event_id: e.eventId,
      type: e.type,
      data: e.data,
      metadata: e.metadata,
      recorded_at: e.recordedAt,
      prev_hash: e.prevHash,
      hash: e.hash
    }))
    const inserted = tx<Array<{ event_id: string; position: number }>>`
      insert into events (stream_id, stream_version, event_id, type, data, metadata, recorded_at, prev_hash, hash)
      select stream_id, stream_version, event_id, type, data, metadata, recorded_at, prev_hash, hash
      from jsonb_to_recordset(${tx.json(rows as never)}) as e(n integer, stream_id text, stream_version integer, event_id uuid,
        type text, data jsonb, metadata jsonb, recorded_at timestamptz, prev_hash text, hash text)
      order by n
      returning event_id, position`
    const snapshotRows = [...snapshots].map(([streamId, s]) => ({
      stream_id: streamId,
      version: s.version,
      last_hash: s.hash,
      state: s.state
    }))
    // Snapshots go before the projections (none reads them): the invoices, registered near the
    // end, then run close to COMMIT (infra/projections.ts says why that matters).
    const snapshotted =
      snapshotRows.length === 0
        ? []
        : [
            tx`
      insert into snapshots (stream_id, version, last_hash, state)
      select stream_id, version, last_hash, state
      from jsonb_to_recordset(${tx.json(snapshotRows as never)}) as s(stream_id text, version integer, last_hash text, state jsonb)
      on conflict (stream_id) do update set version = excluded.version, last_hash = excluded.last_hash, state = excluded.state`
          ]
    // Projections look positions up by event id, so they can be pipelined behind the insert.
    const projected = projectAll(
      projections,
      tx,
      pending.map((e) => ({ ...e, position: 0 }))
    )
    // postgres.js queries are lazy and run in the order they are awaited: insert, snapshots, projections, COMMIT.
    const settled = await Promise.allSettled([inserted, ...snapshotted, ...projected, tx`commit`])
    const failed = settled.find((r) => r.status === "rejected")
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason
    const positions = new Map(
      (settled[0] as PromiseFulfilledResult<Array<{ event_id: string; position: number }>>).value.map((r) => [
        r.event_id,
        r.position
      ])
    )
    return pending.map((e) => ({ ...e, position: positions.get(e.eventId)! }))
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
        select ${tx.unsafe(
          eventColumns
            .split(", ")
            .map((c) => `e.${c}`)
            .join(", ")
        )}
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

  /** A command its decision accepted, with what it wrote still carrying provisional TXMP ids. */
  interface Accepted {
    readonly command: Omit<Queued, "resume">
    readonly appends: ReadonlyArray<StreamEvents>
    readonly result: unknown
  }

  /**
   * Decides the commands in arrival order, each against the streams as the previous ones left
   * them (a serial order): `working` advances past every accepted command's events. A refused or
   * broken decision leaves `working` as it was and touches no other command. Nothing is chained
   * yet: TXMP numbers are taken for the whole batch first (see `numberAndChain`), so the events in
   * `working` carry no event id or hash — decisions read states, which fold the events' data.
   */
  const decideAll = (
    working: Map<string, LoadedWithHead>,
    commands: ReadonlyArray<Omit<Queued, "resume">>
  ): { readonly outcomes: Array<{ readonly error: unknown } | undefined>; readonly accepted: Array<Accepted> } => {
    const outcomes: Array<{ readonly error: unknown } | undefined> = []
    const accepted: Array<Accepted> = []
    for (const command of commands) {
      try {
        const view = new Map<string, LoadedStream>()
        for (const id of command.streamIds) view.set(id, working.get(id)!)
        const decided = command.decide(view)
        if (Either.isLeft(decided)) throw new Abort(decided.left)
        for (const s of decided.right.events) {
          if (!view.has(s.streamId)) throw new Error(`decide wrote to ${s.streamId}, which it did not load`)
        }
        const recordedAt = command.recordedAt.toISOString()
        for (const s of decided.right.events) {
          if (s.events.length === 0) continue
          const stream = working.get(s.streamId)!
          let version = stream.version
          const events = s.events.map((e): RecordedEvent => ({
            position: 0,
            streamId: s.streamId,
            version: ++version,
            eventId: "",
            type: e.type,
            data: e.data,
            metadata: command.metadata,
            recordedAt,
            prevHash: "",
            hash: ""
          }))
          working.set(s.streamId, {
            ...stream,
            version,
            snapshot: s.snapshot === undefined ? stream.snapshot : { version, state: s.snapshot },
            events: s.snapshot === undefined ? [...stream.events, ...events] : []
          })
        }
        outcomes.push(undefined)
        accepted.push({ command, appends: decided.right.events, result: decided.right.result })
      } catch (error) {
        outcomes.push({ error })
      }
    }
    return { outcomes, accepted }
  }

  /**
   * TXMP numbers for every transfer the accepted commands write, from the sequence in this
   * transaction (issue 12 point 6) in one statement per batch, in the commands' serial order: a
   * refused command or an unused provisional id takes none, so gaps come only from rollbacks.
   * One map for the whole batch: a later command may carry an earlier one's provisional id (it
   * decided on the state that command left). Then each command's events are chained onto its
   * streams' heads (hashes cover the real numbers). Returns the events and snapshots to write and
   * the numbers; a throw here (an event that cannot be hashed) fails the whole batch, which is
   * then run again command by command.
   */
  const numberAndChain = async (
    tx: Tx,
    loaded: ReadonlyMap<string, LoadedWithHead>,
    accepted: ReadonlyArray<Accepted>
  ): Promise<{
    readonly pending: Array<Unpositioned>
    readonly snapshots: Map<string, SnapshotRow>
    readonly numbers: ReadonlyMap<string, string>
  }> => {
    const provisional = provisionalIdsIn(accepted.flatMap((a) => a.appends))
    const taken =
      provisional.length === 0
        ? []
        : (
            await tx<Array<{ n: number }>>`
      select nextval('transaction_number_seq') as n from generate_series(1, ${provisional.length})`
          )
            .map((r) => Number(r.n))
            .sort((a, b) => a - b)
    const numbers = numbersFor(provisional, taken)
    const heads = new Map<string, Head>()
    // A stream named by a freshly numbered transfer starts empty.
    const headOf = (streamId: string): Head =>
      heads.get(streamId) ?? loaded.get(streamId)?.head ?? { version: 0, hash: GENESIS_HASH }
    const pending: Array<Unpositioned> = []
    const snapshots = new Map<string, SnapshotRow>()
    for (const a of accepted) {
      const appends = numbers.size === 0 ? a.appends : numberTransactions(a.appends, numbers)
      for (const s of appends) {
        if (s.events.length === 0) continue
        const { events, head } = chain(
          s.streamId,
          headOf(s.streamId),
          s.events,
          a.command.metadata,
          a.command.recordedAt.toISOString(),
          newEventId
        )
        heads.set(s.streamId, head)
        pending.push(...events)
        if (s.snapshot !== undefined)
          snapshots.set(s.streamId, { version: head.version, hash: head.hash, state: s.snapshot })
      }
    }
    return { pending, snapshots, numbers }
  }

  /**
   * Commands in one transaction: the union of their streams locked in sorted order and loaded
   * once, each decided in arrival order (decideAll), numbered and chained, written with one
   * COMMIT. Resolves with each command's outcome; rejects if the transaction failed.
   */
  const transactAll = (
    commands: ReadonlyArray<Omit<Queued, "resume">>
  ): Promise<Array<Effect.Effect<unknown, unknown>>> =>
    inTransaction(async (tx) => {
      const loaded = await lockAndLoad(
        tx,
        commands.flatMap((c) => c.streamIds)
      )
      const { outcomes, accepted } = decideAll(new Map(loaded), commands)
      const { pending, snapshots, numbers } = await numberAndChain(tx, loaded, accepted)
      if (outcomes.some((o) => o !== undefined && mentionsProvisional(o.error, numbers)))
        throw new RefusalNamesBatchNumber()
      await write(tx, pending, snapshots)
      let done = 0
      // The caller sees the numbers written, not the provisional ids its decision named.
      return outcomes.map((outcome) =>
        outcome === undefined
          ? Effect.succeed(numberResult(accepted[done++]!.result, numbers))
          : failureOf(outcome.error)
      )
    })

  /** One command, one transaction (also the fallback of a batch that failed in SQL). */
  const transactOne = (command: Omit<Queued, "resume">): Promise<Effect.Effect<unknown, unknown>> =>
    transactAll([command]).then((outcomes) => outcomes[0]!, failureOf)

  /**
   * Group commit: several waiting commands in one transaction (transactAll); a refused or broken
   * decision writes nothing and touches no other command. If the batch fails (nothing
   * committed), every command is run again on its own, so one bad command never fails its
   * neighbours.
   */
  const transactBatch = async (batch: ReadonlyArray<Queued>) => {
    let outcomes: Array<Effect.Effect<unknown, unknown>>
    try {
      outcomes = await transactAll(batch)
    } catch (error) {
      // A lost connection may have committed: the outcome is unknown, as for a single command.
      if (isDatabaseUnavailable(error)) return batch.forEach((c) => c.resume(Effect.die(error)))
      // Any other failure rolled the whole batch back: each command runs again on its own.
      await Promise.all(batch.map(async (c) => c.resume(await transactOne(c))))
      return
    }
    batch.forEach((command, i) => command.resume(outcomes[i]!))
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
        const loaded = await lockAndLoad(
          tx,
          appends.map((a) => a.streamId)
        )
        for (const a of appends) {
          if (loaded.get(a.streamId)!.version !== a.expectedVersion) {
            throw new Abort(new VersionConflict({ streamId: a.streamId, expectedVersion: a.expectedVersion }))
          }
        }
        const pending = appends.flatMap((a) => {
          const chained = chain(
            a.streamId,
            loaded.get(a.streamId)!.head,
            a.events,
            metadata,
            recordedAt.toISOString(),
            newEventId
          )
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
            select ${tx.unsafe(
              eventColumns
                .split(", ")
                .map((c) => `e.${c}`)
                .join(", ")
            )}
            from unnest(${sorted}::text[]) as ids(id)
            left join snapshots s on s.stream_id = ids.id
            join events e on e.stream_id = ids.id and e.stream_version > coalesce(s.version, 0)
            order by e.stream_id, e.stream_version`
          return new Map(
            sorted.map((id): [string, LoadedStream] => {
              const snap = snapshotRows.find((r) => r.stream_id === id)
              const events = rows.filter((r) => r.stream_id === id).map(toRecordedEvent)
              const version = events[events.length - 1]?.version ?? snap?.version ?? 0
              return [
                id,
                { streamId: id, version, snapshot: snap && { version: snap.version, state: snap.state }, events }
              ]
            })
          )
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
    Effect.gen(function* () {
      const sql = yield* Pg
      const ids = yield* IdGenerator
      return makeStore(sql, () => Effect.runSync(ids.uuid), options)
    })
  )
