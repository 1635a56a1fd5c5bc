import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { WebSocket } from "ws"
import { logsProtocol } from "../../adapters/ws/logs.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { adminToken, api, customer, type StartedServer, startServer } from "../support/server.ts"

let db: TestDatabase
let server: StartedServer
let http: ReturnType<typeof api>

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false })
  server = await startServer({ DATABASE_URL: db.url, JWT_SECRET: "logs-e2e-secret-logs-e2e-secret-logs", SIM_CLUSTER_READY_MS: "100", PROVISIONING_POLL_MS: "100" })
  http = api(server.baseUrl)
})
afterAll(async () => {
  await server.stop()
  await db.drop()
})

const wsUrl = (instanceId: string) => `${server.baseUrl.replace("http", "ws")}/ws/logs?instanceId=${instanceId}`

/** Opens a log socket; resolves with the first `count` messages or the refusal's HTTP status. */
const openLogs = (instanceId: string, protocols: Array<string>, count: number, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; messages: Array<{ type: string; line: string }> }>((resolve, reject) => {
    const ws = new WebSocket(wsUrl(instanceId), protocols, { headers })
    const messages: Array<{ type: string; line: string }> = []
    ws.on("unexpected-response", (_req, res) => resolve({ status: res.statusCode ?? 0, messages }))
    ws.on("message", (data) => {
      messages.push(JSON.parse(data.toString()))
      if (messages.length === count) {
        ws.close()
        resolve({ status: 101, messages })
      }
    })
    ws.on("error", (e) => !messages.length && e.message.includes("Unexpected server response") ? undefined : reject(e))
    setTimeout(() => reject(new Error("no log lines in time")), 10_000)
  })

describe("WS /ws/logs", () => {
  it("streams the owner's instance logs with ANSI codes stripped; others get 404, no token 401, a foreign Origin 403", async () => {
    const admin = await adminToken(http)
    const owner = await customer(http, admin, "logs-owner", 100_000)
    const other = await customer(http, admin, "logs-other", 0)
    const sub = (await http.post("/api/subscriptions", { planId: "90000000-0000-4000-8000-000000000004", instanceName: "logged" }, owner.token)).body.data

    const own = await openLogs(sub.id, [logsProtocol, `bearer.${owner.token}`], 3)
    expect(own.status).toBe(101)
    expect(own.messages.every((m) => m.type === "log")).toBe(true) // the pod's own lines (Ghost's colour the level)
    expect(own.messages.some((m) => m.line.includes("\u001b"))).toBe(false)
    expect(own.messages.map((m) => m.line).join("\n")).toMatch(/INFO/)

    expect((await openLogs(sub.id, [logsProtocol, `bearer.${admin}`], 1)).status).toBe(101) // administrators too
    expect((await openLogs(sub.id, [logsProtocol], 1, { authorization: `Bearer ${owner.token}` })).status).toBe(101)
    expect((await openLogs(sub.id, [logsProtocol, `bearer.${other.token}`], 1)).status).toBe(404)
    expect((await openLogs(sub.id, [logsProtocol], 1)).status).toBe(401)
    expect((await openLogs(sub.id, [logsProtocol, `bearer.${owner.token}`], 1, { origin: "https://evil.example" })).status).toBe(403)
  })
})
