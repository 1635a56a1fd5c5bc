import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PgLive } from "../../adapters/postgres/client.ts"
import { IdempotencyStorePostgres } from "../../adapters/postgres/idempotency.ts"
import { IdempotencyStore } from "../../application/ports/idempotency.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"

let db: TestDatabase
let runtime: ManagedRuntime.ManagedRuntime<IdempotencyStore, never>
beforeAll(async () => {
  db = await createTestDatabase()
  runtime = ManagedRuntime.make(IdempotencyStorePostgres.pipe(Layer.provide(PgLive(db.url, { max: 8 }))))
})
afterAll(async () => {
  await runtime.dispose()
  await db.drop()
})

const claim = (key: string, hash: string, at: Date) =>
  runtime.runPromise(Effect.flatMap(IdempotencyStore, (s) => s.claim("u1 POST /x", key, hash, at)))
const t0 = new Date("2026-11-21T10:00:00.000Z")

describe("Idempotency-Key records", () => {
  // Keys in an order jsonb would change: the replay must be the very text first sent.
  const body = '{"success":true,"message":"Done","data":{"zeta":1,"alpha":"x","amount":50000}}'

  it("claims once under concurrency, replays a completed response, refuses another body", async () => {
    const claims = await Promise.all(Array.from({ length: 8 }, () => claim("k1", "h1", t0)))
    expect(claims.filter((c) => c._tag === "Claimed")).toHaveLength(1)
    expect(claims.filter((c) => c._tag === "InProgress")).toHaveLength(7)
    await runtime.runPromise(Effect.flatMap(IdempotencyStore, (s) => s.complete("u1 POST /x", "k1", 201, body)))
    expect(await claim("k1", "h1", t0)).toEqual({ _tag: "Replay", status: 201, body })
    expect(await claim("k1", "other", t0)).toEqual({ _tag: "Mismatch" })
  })

  it("lets an abandoned claim (no response recorded) be taken again after five minutes, not before", async () => {
    expect((await claim("k2", "h2", t0))._tag).toBe("Claimed")
    expect((await claim("k2", "h2", new Date(t0.getTime() + 60_000)))._tag).toBe("InProgress")
    expect((await claim("k2", "h2", new Date(t0.getTime() + 6 * 60_000)))._tag).toBe("Claimed")
  })

  it("forgets a completed key after 24 hours: the same key is then a new request", async () => {
    expect((await claim("k3", "h3", t0))._tag).toBe("Claimed")
    await runtime.runPromise(Effect.flatMap(IdempotencyStore, (s) => s.complete("u1 POST /x", "k3", 200, body)))
    expect((await claim("k3", "other", new Date(t0.getTime() + 23.9 * 3600_000)))._tag).toBe("Mismatch")
    expect((await claim("k3", "h3", new Date(t0.getTime() + 23.9 * 3600_000)))._tag).toBe("Replay")
    expect((await claim("k3", "other", new Date(t0.getTime() + 24.1 * 3600_000)))._tag).toBe("Claimed")
  })
})

describe("Idempotency-Key claims of a dead process", () => {
  it("are retakable at once when the claiming process is gone (its connections dropped, as after kill -9)", async () => {
    const otherProcess = 1_234_567
    const other = ManagedRuntime.make(
      IdempotencyStorePostgres.pipe(Layer.provide(PgLive(db.url, { max: 2, instanceId: otherProcess })))
    )
    const claimBy = (r: typeof runtime, key: string) =>
      r.runPromise(Effect.flatMap(IdempotencyStore, (s) => s.claim("u1 POST /x", key, "h", t0)))
    expect((await claimBy(other, "dead-1"))._tag).toBe("Claimed")
    // The claimer lives: the same request elsewhere is in progress.
    expect((await claimBy(runtime, "dead-1"))._tag).toBe("InProgress")
    // kill -9 of that process as Postgres sees it: its connections are gone.
    await db.sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${`minispod:${otherProcess}`}`
    await expect
      .poll(async () => (await claimBy(runtime, "dead-1"))._tag, { interval: 20, timeout: 5_000 })
      .toBe("Claimed")
    await other.dispose()
  })
})
