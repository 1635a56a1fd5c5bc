import { once } from "node:events"
import { connect, createServer } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { api, startServer } from "../support/server.ts"

let db: TestDatabase
beforeAll(async () => {
  db = await createTestDatabase({ migrate: false })
})
afterAll(async () => {
  await db.drop()
})

const env = () => ({ DATABASE_URL: db.url, JWT_SECRET: "lifecycle-secret-lifecycle-secret-0" })

/** Whether anything still accepts connections at the address. */
const listening = (baseUrl: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(baseUrl)
    const socket = connect({ host: hostname, port: Number(port) })
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })

/** Polls until `check` holds, at most `attempts` times 50 ms apart; the last value is returned. */
const eventually = async <A>(probe: () => Promise<A>, check: (a: A) => boolean, attempts = 200) => {
  let value = await probe()
  for (let i = 1; i < attempts && !check(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    value = await probe()
  }
  return value
}

describe("process lifecycle", () => {
  it("SIGTERM to the `npm start` process (npm → sh → node) stops the server, not just npm", async () => {
    const server = await startServer({ ...env(), LOG_LEVEL: "info" }, { command: ["npm", "start", "--silent"] })
    expect((await api(server.baseUrl).get("/healthz")).status).toBe(200)

    const code = await server.stop("SIGTERM") // the signal goes to npm's pid only, as a supervisor sends it
    expect(code).toBe(0)
    const logLines = server
      .output()
      .split("\n")
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as unknown]
        } catch {
          return []
        }
      })
    expect(logLines).toContainEqual(
      expect.objectContaining({ message: "shutting down", context: { signal: "SIGTERM" } })
    )
    expect(logLines).toContainEqual(expect.objectContaining({ message: "stopped" }))
    // Before the start script exec'd node, npm and sh exited here and node kept serving.
    expect(await listening(server.baseUrl)).toBe(false)
  })

  it("on SIGTERM /readyz turns 503 first (and metrics show it), then the listeners close, then the in-flight request finishes, then exit", async () => {
    const metricsPort = await freePort()
    const server = await startServer({ ...env(), SHUTDOWN_DELAY_MS: "4000", METRICS_PORT: String(metricsPort) })
    const http = api(server.baseUrl)
    const metricsUrl = `http://127.0.0.1:${metricsPort}`
    expect((await http.get("/readyz")).status).toBe(200)

    // A request in flight: its headers are sent, its body is held back.
    const { hostname, port } = new URL(server.baseUrl)
    const body = JSON.stringify({ email: "nobody@example.com", password: "not-the-password" })
    const held = connect({ host: hostname, port: Number(port) })
    await once(held, "connect")
    held.write(
      `POST /api/auth/login HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`
    )
    let response = ""
    held.on("data", (chunk: Buffer) => (response += chunk.toString()))

    const exit = server.stop("SIGTERM")
    const readiness = await eventually(
      () => http.get("/readyz"),
      (r) => r.status === 503
    )
    expect(readiness.status).toBe(503)
    expect(readiness.body).toMatchObject({ success: false, message: "shutting down" })
    expect(readiness.headers.get("connection")).toBe("close") // keep-alive clients move to another replica
    expect((await http.get("/healthz")).status).toBe(200) // still serving while load balancers catch up
    // The metrics listener too, so Prometheus scrapes the drain's beginning.
    const scraped = await api(metricsUrl).get("/metrics")
    expect(scraped.status).toBe(200)
    expect(scraped.body).toMatch(/http_requests_total\{method="GET",route="\/readyz",status="503"\} [1-9]/)

    expect(
      await eventually(
        () => listening(server.baseUrl),
        (open) => !open
      )
    ).toBe(false)
    expect(await listening(metricsUrl)).toBe(false)
    expect(server.process.exitCode).toBeNull() // draining: the held request keeps it alive
    expect(response).toBe("")

    held.write(body)
    await once(held, "close") // answered, then closed as the server exits
    expect(response).toMatch(/^HTTP\/1\.1 401/)
    expect(await exit).toBe(0)
  })
})
