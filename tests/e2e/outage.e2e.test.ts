import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { databaseProxy } from "../support/databaseProxy.ts"
import { adminToken, api, balanceOf, customer, type StartedServer, startServer } from "../support/server.ts"

let db: TestDatabase
let server: StartedServer
let http: ReturnType<typeof api>
let proxy: ReturnType<typeof databaseProxy>

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false })
  proxy = databaseProxy(new URL(db.url))
  await proxy.up()
  server = await startServer({
    DATABASE_URL: proxy.url(),
    JWT_SECRET: "outage-e2e-secret-outage-e2e-secret-outage",
    REQUEST_TIMEOUT_MS: "1500",
    DATABASE_POOL_SIZE: "4"
  })
  http = api(server.baseUrl)
})
afterAll(async () => {
  proxy.thaw()
  expect(await server.stop()).toBe(0)
  await db.drop()
})

const unavailable = {
  success: false,
  message: expect.any(String),
  error: { code: "SERVICE_UNAVAILABLE", details: { retryAfterSeconds: 2 } }
}

describe("a database outage", () => {
  it("answers a fast 503 with the envelope and Retry-After, then recovers", async () => {
    const admin = await adminToken(http)
    expect((await http.get("/api/admin/users", admin)).status).toBe(200)
    await proxy.down()
    const single = performance.now()
    const first = await http.get("/api/admin/users", admin)
    process.stdout.write(
      `database down: first request answered ${first.status} in ${Math.round(performance.now() - single)} ms\n`
    )
    expect(first.status).toBe(503)
    const started = performance.now()
    const answers = await Promise.all(Array.from({ length: 20 }, () => http.get("/api/admin/users", admin)))
    const elapsed = performance.now() - started
    process.stdout.write(`database down: 20 parallel requests answered in ${Math.round(elapsed)} ms\n`)
    for (const a of answers) {
      expect(a.status).toBe(503)
      expect(a.body).toEqual(unavailable)
      expect(a.headers.get("retry-after")).toBe("2")
    }
    expect((await http.get("/readyz")).status).toBe(503)
    await proxy.up()
    await expect
      .poll(async () => (await http.get("/api/admin/users", admin)).status, { interval: 200, timeout: 20_000 })
      .toBe(200)
  })

  // Without a request deadline these requests waited on open connections that never answer
  // (no error, no statement timeout from a paused server, TCP keep-alive satisfied): for ever.
  it("answers 503 at the request deadline when the database stops answering, and the Idempotency-Key then tells a money request's outcome", async () => {
    const admin = await adminToken(http)
    const user = await customer(http, admin, "frozen", 0)
    const adjust = () =>
      http.post(`/api/admin/users/${user.id}/credit-adjustment`, { amount: 25_000, reason: "frozen database" }, admin, {
        "idempotency-key": `frozen-${user.id}`
      })
    // Every pooled connection open first: a frozen database accepts no new ones (a connect timeout would answer).
    await Promise.all(Array.from({ length: 12 }, () => http.get("/api/admin/users", admin)))
    proxy.freeze()
    const [read, money] = await Promise.all([http.get("/api/admin/users", admin), adjust()])
    for (const answer of [read, money]) {
      expect(answer.status).toBe(503)
      expect(answer.body).toEqual(unavailable)
      expect(answer.headers.get("retry-after")).toBe("2")
    }
    expect(money.body.message).toMatch(/Idempotency-Key/)
    proxy.thaw()
    // The timed-out adjustment was still applied once the database answered again ...
    await expect.poll(() => balanceOf(http, user.token), { interval: 200, timeout: 20_000 }).toBe(25_000)
    // ... and repeating it with its key returns that outcome instead of applying it twice.
    const replay = await adjust()
    expect(replay.status).toBe(201)
    expect(replay.headers.get("idempotent-replayed")).toBe("true")
    expect(await balanceOf(http, user.token)).toBe(25_000)
    // That nothing else moved is the run's closing ledger audit's to say (tests/support/globalSetup.ts).
  })
})
