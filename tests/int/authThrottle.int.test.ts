import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AuthThrottlePostgres } from "../../adapters/postgres/authThrottle.ts"
import { PgLive } from "../../adapters/postgres/client.ts"
import { AuthThrottle } from "../../application/ports/authThrottle.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"

let db: TestDatabase
let runtime: ManagedRuntime.ManagedRuntime<AuthThrottle, never>
beforeAll(async () => {
  db = await createTestDatabase()
  runtime = ManagedRuntime.make(
    AuthThrottlePostgres({ windowSeconds: 900, maxBlockSeconds: 60 }).pipe(Layer.provide(PgLive(db.url, { max: 8 })))
  )
})
afterAll(async () => {
  await runtime.dispose()
  await db.drop()
})

const t0 = new Date("2026-11-22T10:00:00.000Z")
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000)
const fail = (key: string, free: number, when: Date) =>
  runtime.runPromise(Effect.flatMap(AuthThrottle, (t) => t.fail([{ key, free }], when)))
const blocked = (key: string, when: Date) =>
  runtime.runPromise(Effect.flatMap(AuthThrottle, (t) => t.blocked([key, "other"], when)))

describe("the authentication throttle (Postgres)", () => {
  it("allows `free` failures, then blocks 1 s, 2 s, 4 s … up to the maximum", async () => {
    await fail("k1", 2, at(0))
    await fail("k1", 2, at(0))
    expect(await blocked("k1", at(0))).toBeUndefined()
    await fail("k1", 2, at(0))
    expect(await blocked("k1", at(0))).toBe(1)
    expect(await blocked("k1", at(1))).toBeUndefined()
    await fail("k1", 2, at(1))
    expect(await blocked("k1", at(1))).toBe(2)
    await fail("k1", 2, at(3))
    expect(await blocked("k1", at(3))).toBe(4)
    for (let i = 0; i < 10; i++) await fail("k1", 2, at(10))
    expect(await blocked("k1", at(10))).toBe(60) // capped
  })

  it("forgets failures after the window, and a clear starts over", async () => {
    for (let i = 0; i < 3; i++) await fail("k2", 1, at(0))
    expect(await blocked("k2", at(0))).toBe(2)
    await fail("k2", 1, at(901)) // a new window: the first failure of it
    expect(await blocked("k2", at(901))).toBeUndefined()
    for (let i = 0; i < 2; i++) await fail("k3", 1, at(0))
    await runtime.runPromise(Effect.flatMap(AuthThrottle, (t) => t.clear("k3")))
    expect(await blocked("k3", at(0))).toBeUndefined()
  })

  it("counts concurrent failures exactly (row lock, no lost updates)", async () => {
    await Promise.all(Array.from({ length: 20 }, () => fail("k4", 100, at(0))))
    const [row] = await db.sql<Array<{ failures: number }>>`select failures from auth_throttle where key = 'k4'`
    expect(row!.failures).toBe(20)
  })
})
