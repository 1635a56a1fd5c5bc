import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { WebSocket } from "ws"
import { logsProtocol } from "../../adapters/ws/logs.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { api, customer, type StartedServer, startServer } from "../support/server.ts"
import { compiledScript } from "../support/compiled.ts"

let db: TestDatabase
let server: StartedServer
let http: ReturnType<typeof api>
const frontEnd = "https://app.example.com"
const secrets = {
  serverKey: "SB-Mid-server-edge-e2e-key-0123456789",
  jwt: "edge-e2e-secret-edge-e2e-secret-edge-e2e",
  adminPassword: "edge-admin-password-1"
}
const admin = { email: "root@edge.test", password: secrets.adminPassword }

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false })
  server = await startServer({
    DATABASE_URL: db.url,
    CORS_ORIGINS: `${frontEnd}, http://localhost:5173`,
    MIDTRANS_SERVER_KEY: secrets.serverKey,
    JWT_SECRET: secrets.jwt,
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    SIM_CLUSTER_READY_MS: "100",
    PROVISIONING_POLL_MS: "100",
    REFRESH_GRACE_SECONDS: "0" // a repeat is reuse at once (no two-tab grace), for the reuse warning below
  })
  http = api(server.baseUrl)
})
afterAll(async () => {
  await server.stop()
  await db.drop()
})

const adminToken = async () => (await http.post("/api/auth/login", admin)).body.data.accessToken as string

const preflight = (origin: string, method = "POST") =>
  fetch(`${server.baseUrl}/api/wallet/topup`, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": method,
      "access-control-request-headers": "authorization, content-type, idempotency-key"
    }
  })

/** Opens a log socket from `origin`; resolves with 101 or the refusal's HTTP status. */
const openLogs = (instanceId: string, token: string, origin: string) =>
  new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(
      `${server.baseUrl.replace("http", "ws")}/ws/logs?instanceId=${instanceId}`,
      [logsProtocol, `bearer.${token}`],
      { origin }
    )
    ws.on("open", () => {
      ws.close()
      resolve(101)
    })
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0))
    ws.on("error", (e) => (e.message.includes("Unexpected server response") ? undefined : reject(e)))
  })

describe("CORS (CORS_ORIGINS)", () => {
  it("answers preflights for listed origins with credentials, refuses others, and applies the same list to the log socket", async () => {
    const allowed = await preflight(frontEnd)
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get("access-control-allow-origin")).toBe(frontEnd)
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true")
    expect(allowed.headers.get("access-control-allow-methods")).toContain("POST")
    expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("idempotency-key")
    expect(allowed.headers.get("vary")).toContain("Origin")

    const refused = await preflight("https://evil.example")
    expect(refused.status).toBe(403)
    expect(refused.headers.get("access-control-allow-origin")).toBeNull()

    const simple = await fetch(`${server.baseUrl}/api/catalog/categories`, { headers: { origin: frontEnd } })
    expect(simple.headers.get("access-control-allow-origin")).toBe(frontEnd)
    expect(simple.headers.get("access-control-expose-headers")).toContain("X-Request-Id")
    const foreign = await fetch(`${server.baseUrl}/api/catalog/categories`, {
      headers: { origin: "https://evil.example" }
    })
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull()

    const owner = await customer(http, await adminToken(), "cors", 100_000)
    const sub = (
      await http.post(
        "/api/subscriptions",
        { planId: "90000000-0000-4000-8000-000000000002", instanceName: "cors-logs" },
        owner.token
      )
    ).body.data
    expect(await openLogs(sub.id, owner.token, frontEnd)).toBe(101)
    expect(await openLogs(sub.id, owner.token, "http://localhost:5173")).toBe(101)
    expect(await openLogs(sub.id, owner.token, "https://evil.example")).toBe(403)
    expect(await openLogs(sub.id, "not.a.token", frontEnd)).toBe(401)
  })
})

describe("configuration", () => {
  it("refuses a CORS_ORIGINS entry that is not an origin, naming it in a JSON line", async () => {
    // Asynchronously: a blocked event loop would let the other tests' keep-alive sockets go stale.
    const run = await promisify(execFile)(process.execPath, [compiledScript("server")], {
      env: {
        PATH: process.env["PATH"],
        HOME: process.env["HOME"],
        PORT: "0",
        DATABASE_URL: db.url,
        CORS_ORIGINS: "https://app.example.com/path"
      },
      timeout: 30_000
    }).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => e
    )
    expect(run.code).toBe(2)
    const line = JSON.parse(run.stderr.trim().split("\n").at(-1)!)
    expect(line).toMatchObject({
      level: "error",
      message: "invalid configuration",
      context: { problems: [expect.stringMatching(/^CORS_ORIGINS: /)] }
    })
  })
})

describe("uniform API details", () => {
  it("401 carries WWW-Authenticate: Bearer; a non-JSON body is 415 and changes nothing", async () => {
    const anonymous = await http.get("/api/wallet/info")
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer/)
    const badToken = await http.get("/api/wallet/info", "not.a.token")
    expect(badToken.headers.get("www-authenticate")).toMatch(/^Bearer/)
    const socketChallenge = await new Promise<string | undefined>((resolve) => {
      const ws = new WebSocket(`${server.baseUrl.replace("http", "ws")}/ws/logs?instanceId=x`, [logsProtocol])
      ws.on("unexpected-response", (_req, res) => resolve(res.headers["www-authenticate"]))
      ws.on("error", () => undefined)
    })
    expect(socketChallenge).toMatch(/^Bearer/)

    const text = await fetch(`${server.baseUrl}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ name: "Plain", email: "plain@example.com", password: "long enough" })
    })
    expect(text.status).toBe(415)
    expect(((await text.json()) as { error: { code: string } }).error.code).toBe("UNSUPPORTED_MEDIA_TYPE")
    expect((await http.post("/api/auth/login", { email: "plain@example.com", password: "long enough" })).status).toBe(
      401
    )
  })

  it("replays an Idempotency-Key's first response byte for byte", async () => {
    const user = await customer(http, await adminToken(), "replay", 0)
    const topUp = () =>
      fetch(`${server.baseUrl}/api/wallet/topup`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${user.token}`,
          "idempotency-key": "edge-replay-1"
        },
        body: JSON.stringify({ paymentMethod: "QRIS", amount: 50_000 })
      })
    const first = await topUp()
    const second = await topUp()
    expect(first.status).toBe(201)
    expect(second.status).toBe(201)
    expect(second.headers.get("idempotent-replayed")).toBe("true")
    expect(await second.text()).toBe(await first.text())
  })
})

describe("logs that reach the operator", () => {
  it("writes warnings for a refused webhook, a refresh-token reuse and a failed provisioning, as JSON lines free of secrets", async () => {
    const adminJwt = await adminToken()
    const user = await customer(http, adminJwt, "logs", 200_000)
    const password = "correct horse battery" // the object mother's password

    const forged = await http.post(
      "/api/webhooks/midtrans",
      {
        order_id: "TXMP-1",
        status_code: "200",
        gross_amount: "50000.00",
        signature_key: "f".repeat(128),
        transaction_status: "settlement"
      },
      undefined,
      { "x-request-id": "edge-forged-webhook" }
    )
    expect(forged.status).toBe(401)

    const login = (await http.post("/api/auth/login", { email: user.email, password })).body.data
    const rotated = (await http.post("/api/auth/refresh", { refreshToken: login.refreshToken })).body.data
    expect((await http.post("/api/auth/refresh", { refreshToken: login.refreshToken })).status).toBe(401) // reuse

    const failing = await http.post(
      "/api/subscriptions",
      { planId: "90000000-0000-4000-8000-000000000004", instanceName: "fail-edge" },
      user.token
    )
    expect(failing.status).toBe(201)
    const deadline = Date.now() + 20_000
    while (!server.output().includes("provisioning failed") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100))

    const lines = server
      .output()
      .split("\n")
      .filter((l) => l.trim().length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(expect.arrayContaining(["time", "level", "message", "requestId", "context"]))
      expect(new Date(line["time"] as string).toISOString()).toBe(line["time"])
    }
    const warning = (text: string) => lines.find((l) => l["level"] === "warning" && String(l["message"]).includes(text))
    expect(warning("bad signature refused")).toMatchObject({
      requestId: "edge-forged-webhook",
      context: { orderId: "TXMP-1" }
    })
    expect(warning("refresh token reuse")).toMatchObject({
      requestId: expect.any(String),
      context: { userId: user.id }
    })
    expect(warning("provisioning failed")).toMatchObject({
      context: { subscriptionId: failing.body.data.id, instanceName: "fail-edge" }
    })
    expect(lines.find((l) => String(l["message"]).startsWith("MinisPod listening on"))).toMatchObject({ level: "info" })
    expect(lines.filter((l) => l["message"] === "request").length).toBeGreaterThan(5)

    const everything = server.output()
    for (const secret of [
      secrets.serverKey,
      secrets.jwt,
      secrets.adminPassword,
      password,
      user.token,
      adminJwt,
      login.refreshToken,
      login.accessToken,
      rotated.refreshToken
    ]) {
      expect(everything).not.toContain(secret)
    }
  })
})
