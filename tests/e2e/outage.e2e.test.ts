import { createServer, type Server, type Socket, connect } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { adminToken, api, type StartedServer, startServer } from "../support/server.ts"

/** A TCP proxy in front of Postgres that the test can take down (the database "crashes") and bring back. */
const databaseProxy = (target: URL) => {
  const sockets = new Set<Socket>()
  let listener: Server | undefined
  let port = 0
  const up = () =>
    new Promise<void>((resolve) => {
      listener = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname)
        for (const s of [client, upstream]) {
          sockets.add(s)
          s.on("close", () => sockets.delete(s))
          s.on("error", () => undefined)
        }
        client.pipe(upstream).pipe(client)
      })
      listener.listen(port, "127.0.0.1", () => {
        port = (listener!.address() as { port: number }).port
        resolve()
      })
    })
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      listener!.close(() => resolve())
    })
  return { up, down, port: () => port }
}

let db: TestDatabase
let server: StartedServer
let http: ReturnType<typeof api>
let proxy: ReturnType<typeof databaseProxy>

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false })
  proxy = databaseProxy(new URL(db.url))
  await proxy.up()
  const viaProxy = new URL(db.url)
  viaProxy.host = `127.0.0.1:${proxy.port()}`
  server = await startServer({ DATABASE_URL: viaProxy.toString(), JWT_SECRET: "outage-e2e-secret-outage-e2e-secret-outage" })
  http = api(server.baseUrl)
})
afterAll(async () => {
  await server.stop()
  await db.drop()
})

describe("a database outage", () => {
  it("answers a fast 503 with the envelope and Retry-After, then recovers", async () => {
    const admin = await adminToken(http)
    expect((await http.get("/api/admin/users", admin)).status).toBe(200)
    await proxy.down()
    const single = performance.now()
    const first = await http.get("/api/admin/users", admin)
    process.stdout.write(`database down: first request answered ${first.status} in ${Math.round(performance.now() - single)} ms\n`)
    expect(first.status).toBe(503)
    const started = performance.now()
    const answers = await Promise.all(Array.from({ length: 20 }, () => http.get("/api/admin/users", admin)))
    const elapsed = performance.now() - started
    process.stdout.write(`database down: 20 parallel requests answered in ${Math.round(elapsed)} ms\n`)
    for (const a of answers) {
      expect(a.status).toBe(503)
      expect(a.body).toEqual({ success: false, message: expect.any(String), error: { code: "SERVICE_UNAVAILABLE", details: { retryAfterSeconds: 2 } } })
      expect(a.headers.get("retry-after")).toBe("2")
    }
    expect((await http.get("/readyz")).status).toBe(503)
    await proxy.up()
    await expect.poll(async () => (await http.get("/api/admin/users", admin)).status, { interval: 200, timeout: 20_000 }).toBe(200)
  })
})
