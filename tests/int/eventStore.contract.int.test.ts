import { Effect, Either, ManagedRuntime } from "effect"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EventStore, type LoadedStream, type StreamEvents } from "../../application/ports/eventStore.ts"
import { hashEvent, verifyChain } from "../../application/shared/eventHash.ts"
import { runCommand } from "../../application/shared/runCommand.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { memoryLedgerLayer, postgresLedgerRuntime } from "../support/ledgerMother.ts"

const at = new Date("2026-11-21T10:00:00.000Z")
const meta = { actor: "contract", correlationId: "c-1" }
const ev = (n: number) => ({ type: "Noted", data: { n } })

type Runtime = ManagedRuntime.ManagedRuntime<EventStore, never>

/** One contract, every adapter of the EventStore port. */
const contract = (name: string, makeRuntime: () => Promise<{ runtime: Runtime; close: () => Promise<void> }>) =>
  describe(`EventStore contract: ${name}`, () => {
    let runtime: Runtime
    let close: () => Promise<void>
    beforeAll(async () => {
      ;({ runtime, close } = await makeRuntime())
    })
    afterAll(() => close())
    const run = <A, E>(effect: Effect.Effect<A, E, EventStore>) => runtime.runPromise(Effect.either(effect))

    it("appends with expected versions and reads the stream back, hash-chained", async () => {
      const r1 = await run(
        Effect.flatMap(EventStore, (s) =>
          s.append([{ streamId: "a-1", expectedVersion: 0, events: [ev(1), ev(2)] }], meta, at)
        )
      )
      expect(Either.isRight(r1)).toBe(true)
      const r2 = await run(
        Effect.flatMap(EventStore, (s) =>
          s.append([{ streamId: "a-1", expectedVersion: 2, events: [ev(3)] }], meta, at)
        )
      )
      expect(Either.isRight(r2)).toBe(true)
      const stream = await runtime.runPromise(Effect.flatMap(EventStore, (s) => s.readStream("a-1")))
      expect(stream.version).toBe(3)
      expect(stream.events.map((e) => e.version)).toEqual([1, 2, 3])
      expect(stream.events.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3])
      expect(stream.events[0]!.metadata).toEqual(meta)
      expect(stream.events[0]!.recordedAt).toBe(at.toISOString())
      expect(verifyChain(stream.events)).toBeUndefined()
    })

    it("refuses a stale expected version with a typed VersionConflict", async () => {
      await run(
        Effect.flatMap(EventStore, (s) =>
          s.append([{ streamId: "b-1", expectedVersion: 0, events: [ev(1)] }], meta, at)
        )
      )
      const stale = await run(
        Effect.flatMap(EventStore, (s) =>
          s.append([{ streamId: "b-1", expectedVersion: 0, events: [ev(2)] }], meta, at)
        )
      )
      expect(Either.isLeft(stale) && stale.left._tag).toBe("VersionConflict")
    })

    it("a multi-stream append whose second stream conflicts writes nothing", async () => {
      await run(
        Effect.flatMap(EventStore, (s) =>
          s.append([{ streamId: "c-2", expectedVersion: 0, events: [ev(1)] }], meta, at)
        )
      )
      const result = await run(
        Effect.flatMap(EventStore, (s) =>
          s.append(
            [
              { streamId: "c-1", expectedVersion: 0, events: [ev(10)] },
              { streamId: "c-2", expectedVersion: 0, events: [ev(20)] }
            ],
            meta,
            at
          )
        )
      )
      expect(Either.isLeft(result) && result.left._tag).toBe("VersionConflict")
      const [c1, c2] = await runtime.runPromise(
        Effect.flatMap(EventStore, (s) => Effect.all([s.readStream("c-1"), s.readStream("c-2")]))
      )
      expect(c1.events).toHaveLength(0)
      expect(c2.events).toHaveLength(1)
    })

    it("transact appends to several streams in one go, or not at all when decide refuses", async () => {
      const both = await run(
        Effect.flatMap(EventStore, (s) =>
          s.transact(
            ["d-2", "d-1"],
            (loaded) => {
              expect([...loaded.keys()].sort()).toEqual(["d-1", "d-2"])
              return Either.right({
                events: [
                  { streamId: "d-1", events: [ev(1)] },
                  { streamId: "d-2", events: [ev(2), ev(3)] }
                ] satisfies ReadonlyArray<StreamEvents>,
                result: "both appended"
              })
            },
            meta,
            at
          )
        )
      )
      expect(Either.isRight(both) && both.right).toBe("both appended")
      const d2 = await runtime.runPromise(Effect.flatMap(EventStore, (s) => s.readStream("d-2")))
      expect(d2.version).toBe(2)
      const refused = await run(
        Effect.flatMap(EventStore, (s) => s.transact(["d-1"], () => Either.left({ _tag: "Nope" as const }), meta, at))
      )
      expect(Either.isLeft(refused) && refused.left._tag).toBe("Nope")
      const d1 = await runtime.runPromise(Effect.flatMap(EventStore, (s) => s.readStream("d-1")))
      expect(d1.version).toBe(1)
    })

    it("a snapshot written with an append comes back with only the events after it", async () => {
      const write = (n: number, snapshot?: unknown) =>
        run(
          Effect.flatMap(EventStore, (s) =>
            s.transact(
              ["e-1"],
              () =>
                Either.right({
                  events: [{ streamId: "e-1", events: [ev(n)], ...(snapshot === undefined ? {} : { snapshot }) }],
                  result: n
                }),
              meta,
              at
            )
          )
        )
      await write(1)
      await write(2, { total: 3 })
      await write(3)
      const loaded = await run(
        Effect.flatMap(EventStore, (s) =>
          s.transact(["e-1"], (streams) => Either.right({ events: [], result: streams.get("e-1") }), meta, at)
        )
      )
      const seen = Either.getOrThrow(loaded)
      expect(seen).toMatchObject({ version: 3, snapshot: { version: 2, state: { total: 3 } } })
      expect(seen!.events.map((e) => e.version)).toEqual([3])
      const full = await runtime.runPromise(Effect.flatMap(EventStore, (s) => s.readStream("e-1")))
      expect(full.events.map((e) => e.version)).toEqual([1, 2, 3])
      expect(verifyChain(full.events)).toBeUndefined() // the chain continues across the snapshot
    })

    it("load reads streams as transact loads them, and writes nothing", async () => {
      await run(
        Effect.flatMap(EventStore, (s) =>
          s.transact(
            ["f-1"],
            () =>
              Either.right({
                events: [{ streamId: "f-1", events: [ev(1), ev(2)], snapshot: { total: 3 } }],
                result: undefined
              }),
            meta,
            at
          )
        )
      )
      await run(
        Effect.flatMap(EventStore, (s) =>
          s.transact(
            ["f-1"],
            () => Either.right({ events: [{ streamId: "f-1", events: [ev(3)] }], result: undefined }),
            meta,
            at
          )
        )
      )
      const peeked = await runtime.runPromise(Effect.flatMap(EventStore, (s) => s.load(["f-1", "f-none"])))
      const locked = Either.getOrThrow(
        await run(
          Effect.flatMap(EventStore, (s) =>
            s.transact(["f-1", "f-none"], (streams) => Either.right({ events: [], result: streams }), meta, at)
          )
        )
      )
      const contents = (s: LoadedStream | undefined) =>
        s && { streamId: s.streamId, version: s.version, snapshot: s.snapshot, events: s.events }
      expect(contents(peeked.get("f-1"))).toEqual(contents(locked.get("f-1")))
      expect(peeked.get("f-1")).toMatchObject({ version: 3, snapshot: { version: 2, state: { total: 3 } } })
      expect(peeked.get("f-none")).toMatchObject({ version: 0, events: [] })
      expect((await runtime.runPromise(Effect.flatMap(EventStore, (s) => s.readStream("f-none")))).version).toBe(0)
    })

    it("readAll returns every event once, in position order, paged", async () => {
      const all = await runtime.runPromise(Effect.flatMap(EventStore, (s) => s.readAll(0, 10_000)))
      const positions = all.map((e) => e.position)
      expect(positions).toEqual([...positions].sort((a, b) => a - b))
      const firstPage = await runtime.runPromise(Effect.flatMap(EventStore, (s) => s.readAll(0, 2)))
      const rest = await runtime.runPromise(
        Effect.flatMap(EventStore, (s) => s.readAll(firstPage[1]!.position, 10_000))
      )
      expect([...firstPage, ...rest].map((e) => e.eventId)).toEqual(all.map((e) => e.eventId))
    })
  })

contract("in-memory", async () => {
  const runtime = ManagedRuntime.make(memoryLedgerLayer()) as unknown as Runtime
  return { runtime, close: () => runtime.dispose() }
})

let db: TestDatabase
contract("postgres", async () => {
  db = await createTestDatabase()
  const runtime = postgresLedgerRuntime(db.url) as unknown as Runtime
  return {
    runtime,
    close: async () => {
      await runtime.dispose()
      await db.drop()
    }
  }
})

describe("the VersionConflict retry path on Postgres", () => {
  let pgDb: TestDatabase
  let runtime: ReturnType<typeof postgresLedgerRuntime>
  beforeAll(async () => {
    pgDb = await createTestDatabase()
    runtime = postgresLedgerRuntime(pgDb.url)
  })
  afterAll(async () => {
    await runtime.dispose()
    await pgDb.drop()
  })

  // Writers of this version serialise on an advisory lock, so only a writer that holds none (a
  // replica of an earlier version during a rolling deploy, a script) can take a command's version;
  // the unique (stream_id, stream_version) key is then the backstop, and the command must retry.
  it("a command whose version a lock-free writer took first meets the unique key, is retried on fresh state and lands after it", async () => {
    await runtime.runPromise(
      Effect.flatMap(EventStore, (s) => s.append([{ streamId: "vc-1", expectedVersion: 0, events: [ev(1)] }], meta, at))
    )
    const [head] = await pgDb.sql<
      Array<{ hash: string }>
    >`select hash from events where stream_id = 'vc-1' and stream_version = 1`
    const fields = {
      streamId: "vc-1",
      version: 2,
      eventId: randomUUID(),
      type: "Noted",
      data: { n: 2 },
      metadata: meta,
      recordedAt: at.toISOString(),
      prevHash: head!.hash
    }
    const other = await pgDb.sql.reserve()
    try {
      await other`begin`
      await other`insert into events (stream_id, stream_version, event_id, type, data, metadata, recorded_at, prev_hash, hash)
        values (${fields.streamId}, ${fields.version}, ${fields.eventId}, ${fields.type}, ${other.json(fields.data)}, ${other.json(fields.metadata)},
          ${fields.recordedAt}, ${fields.prevHash}, ${hashEvent(fields)})`
      const seenVersions: Array<number> = []
      const command = runtime.runPromise(
        runCommand(
          ["vc-1"],
          (streams) => {
            seenVersions.push(streams.get("vc-1")!.version)
            return Either.right({ events: [{ streamId: "vc-1", events: [ev(3)] }], result: "landed" })
          },
          meta
        )
      )
      // The command's insert now waits on the other writer's uncommitted row (explicit synchronisation: the database says so).
      await expect
        .poll(
          async () => {
            const [waiting] = await pgDb.sql<
              Array<{ n: number }>
            >`select count(*)::int as n from pg_locks where not granted and locktype = 'transactionid'`
            return waiting!.n
          },
          { interval: 20, timeout: 10_000 }
        )
        .toBe(1)
      expect(seenVersions).toEqual([1])
      await other`commit`
      expect(await command).toBe("landed")
      expect(seenVersions).toEqual([1, 2])
    } finally {
      other.release()
    }
    const stream = await runtime.runPromise(Effect.flatMap(EventStore, (s) => s.readStream("vc-1")))
    expect(stream.events.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3])
    expect(verifyChain(stream.events)).toBeUndefined()
  })

  it("an append at a stale version gets the typed VersionConflict (never a defect), and the stream keeps the winner only", async () => {
    const appendAt = (expectedVersion: number, n: number) =>
      runtime.runPromise(
        Effect.either(
          Effect.flatMap(EventStore, (s) =>
            s.append([{ streamId: "vc-2", expectedVersion, events: [ev(n)] }], meta, at)
          )
        )
      )
    const results = await Promise.all([1, 2, 3, 4].map((n) => appendAt(0, n)))
    expect(results.filter(Either.isRight)).toHaveLength(1)
    expect(results.filter(Either.isLeft).map((r) => r.left._tag)).toEqual([
      "VersionConflict",
      "VersionConflict",
      "VersionConflict"
    ])
    const stream = await runtime.runPromise(Effect.flatMap(EventStore, (s) => s.readStream("vc-2")))
    expect(stream.version).toBe(1)
  })
})
