import { describe, expect, it } from "vitest"
import { WebSocket } from "ws"
import { logsProtocol } from "../../adapters/ws/logs.ts"
import { serverForFile } from "../support/e2eServer.ts"
import { type Api, customer, type StartedServer } from "../support/server.ts"

let server: StartedServer
let http: Api
let admin: string

serverForFile(
  {
    JWT_SECRET: "logs-e2e-secret-logs-e2e-secret-logs",
    SIM_CLUSTER_READY_MS: "100",
    PROVISIONING_POLL_MS: "100",
    LOG_STREAM_PING_SECONDS: "1",
    LOG_STREAM_BUFFER_BYTES: "65536"
  },
  (world) => ({ server, http, admin } = world)
)

const ghostBasic = "90000000-0000-4000-8000-000000000004"
const wsUrl = (instanceId: string, query = "") =>
  `${server.baseUrl.replace("http", "ws")}/ws/logs?instanceId=${instanceId}${query}`

interface Message {
  readonly type: string
  readonly line?: string
  readonly timestamp?: string | null
  readonly container?: string
  readonly pod?: string
  readonly previousPod?: string | null
  readonly count?: number
}

/** Opens a log socket; resolves with the first `count` messages or the refusal's HTTP status. */
const openLogs = (
  instanceId: string,
  protocols: Array<string>,
  count: number,
  headers: Record<string, string> = {},
  query = ""
) =>
  new Promise<{ status: number; messages: Array<Message> }>((resolve, reject) => {
    const ws = new WebSocket(wsUrl(instanceId, query), protocols, { headers })
    const messages: Array<Message> = []
    ws.on("unexpected-response", (_req, res) => resolve({ status: res.statusCode ?? 0, messages }))
    ws.on("message", (data) => {
      messages.push(JSON.parse(data.toString()))
      if (messages.length === count) {
        ws.close()
        resolve({ status: 101, messages })
      }
    })
    ws.on("error", (e) =>
      !messages.length && e.message.includes("Unexpected server response") ? undefined : reject(e)
    )
    setTimeout(() => reject(new Error("no log lines in time")), 10_000)
  })

/** A socket kept open, with its messages and a way to wait for one. */
const watch = (instanceId: string, token: string, options: ConstructorParameters<typeof WebSocket>[2] = {}) => {
  const ws = new WebSocket(wsUrl(instanceId), [logsProtocol, `bearer.${token}`], options)
  const messages: Array<Message> = []
  const waiters: Array<() => void> = []
  ws.on("message", (data) => {
    messages.push(JSON.parse(data.toString()))
    for (const w of waiters.splice(0)) w()
  })
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)))
  const until = (predicate: (m: Message, i: number) => boolean, from = 0, timeoutMs = 20_000) =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no such message in time: ${JSON.stringify(messages.slice(-3))}`)),
        timeoutMs
      )
      const check = () => {
        const i = messages.findIndex((m, j) => j >= from && predicate(m, j))
        if (i >= 0) {
          clearTimeout(timer)
          return resolve(i)
        }
        waiters.push(check)
      }
      check()
    })
  return { ws, messages, until, closed }
}

const subscribe = async (label: string, credit: number) => {
  const owner = await customer(http, admin, label, credit)
  const sub = (await http.post("/api/subscriptions", { planId: ghostBasic, instanceName: label }, owner.token)).body
    .data
  return { owner, sub }
}

const openLogStreams = async () =>
  ((await (await fetch(`${server.baseUrl}/dev/kube/_faults`)).json()) as { openLogs: number }).openLogs

describe("WS /ws/logs", () => {
  it("streams the owner's instance logs, ANSI codes stripped, timestamps apart; others get 404, no token 401, a foreign Origin 403, a bad container 400", async () => {
    const { owner, sub } = await subscribe("logs-owner", 100_000)
    const other = await customer(http, admin, "logs-other", 0)

    const own = await openLogs(sub.id, [logsProtocol, `bearer.${owner.token}`], 4)
    expect(own.status).toBe(101)
    expect(own.messages[0]).toMatchObject({ type: "attached", container: "app", previousPod: null })
    const lines = own.messages.slice(1)
    expect(lines.every((m) => m.type === "log" && m.container === "app")).toBe(true) // the pod's own lines (Ghost's colour the level)
    expect(lines.some((m) => m.line!.includes("\u001b"))).toBe(false)
    expect(lines.map((m) => m.line).join("\n")).toMatch(/INFO/)
    for (const m of lines) {
      expect(m.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      expect(m.line).not.toMatch(/^\d{4}-\d\d-\d\dT/) // the runtime's timestamp is not mixed into the text
    }

    // The companion database's container, by choice.
    const database = await openLogs(sub.id, [logsProtocol, `bearer.${owner.token}`], 3, {}, "&container=database")
    expect(database.messages[0]).toMatchObject({ type: "attached", container: "database" })
    expect(
      database.messages
        .slice(1)
        .map((m) => m.line)
        .join("\n")
    ).toMatch(/MariaDB|InnoDB|mysql/i)
    expect((await openLogs(sub.id, [logsProtocol, `bearer.${owner.token}`], 1, {}, "&container=sidecar")).status).toBe(
      400
    )

    expect((await openLogs(sub.id, [logsProtocol, `bearer.${admin}`], 1)).status).toBe(101) // administrators too
    expect((await openLogs(sub.id, [logsProtocol], 1, { authorization: `Bearer ${owner.token}` })).status).toBe(101)
    expect((await openLogs(sub.id, [logsProtocol, `bearer.${other.token}`], 1)).status).toBe(404)
    expect((await openLogs(sub.id, [logsProtocol], 1)).status).toBe(401)
    expect(
      (await openLogs(sub.id, [logsProtocol, `bearer.${owner.token}`], 1, { origin: "https://evil.example" })).status
    ).toBe(403)
  })

  it("re-attaches to the new pod after a restart and says so; the pod's log request ends when the client leaves", async () => {
    const { owner, sub } = await subscribe("logs-restart", 100_000)
    const stream = watch(sub.id, owner.token)
    const first = stream.messages[await stream.until((m) => m.type === "attached")]!
    await stream.until((m) => m.type === "log")
    expect(await openLogStreams()).toBeGreaterThan(0)
    expect((await http.post(`/api/subscriptions/${sub.id}/restart`, {}, owner.token)).status).toBe(200)
    const at = await stream.until((m) => m.type === "attached" && m.previousPod !== null)
    expect(stream.messages[at]).toMatchObject({ previousPod: first.pod, container: "app" })
    expect(stream.messages[at]!.pod).not.toBe(first.pod)
    await stream.until((m) => m.type === "log", at) // the new pod's lines follow
    stream.ws.close()
    await stream.closed
    await expect.poll(openLogStreams, { timeout: 10_000 }).toBe(0)
  })

  it("drops lines for a client that does not read, and says how many", { timeout: 180_000 }, async () => {
    const { owner, sub } = await subscribe("logs-chatty", 100_000)
    const podOf = async () =>
      (
        (await http.get("/api/admin/pods?limit=100", admin)).body.data.items as Array<{
          namespace: string
          name: string
          instanceId: string
        }>
      ).find((p) => p.instanceId === sub.id)
    await expect.poll(podOf, { timeout: 10_000 }).toBeDefined()
    const pod = (await podOf())!
    // A chatty app: two thousand 2 KiB lines a second (the simulator's annotations, set as kubectl patch would).
    const patched = await fetch(
      `${server.baseUrl}/dev/kube/apis/apps/v1/namespaces/${pod.namespace}/deployments/${pod.name}`,
      {
        method: "PATCH",
        headers: { "content-type": "application/merge-patch+json" },
        body: JSON.stringify({
          spec: {
            template: {
              metadata: {
                annotations: { "sim.minispod.dev/log-interval-ms": "0.5", "sim.minispod.dev/log-line-bytes": "2048" }
              }
            }
          }
        })
      }
    )
    expect(patched.status).toBe(200)
    const stream = watch(sub.id, owner.token)
    await stream.until((m) => m.type === "log")
    const socket = (stream.ws as unknown as { _socket: { pause: () => void; resume: () => void } })._socket
    // Stop reading for a while (the server's queue is capped at 64 KiB), then read again: a notice says
    // how many were dropped. Pauses grow: the kernel's socket buffers absorb megabytes first, and a
    // loaded machine generates the lines slower.
    let dropped = -1
    for (let round = 1; round <= 8 && dropped < 0; round++) {
      socket.pause()
      await new Promise((r) => setTimeout(r, 1_000 * round))
      const from = stream.messages.length
      socket.resume()
      dropped = await stream.until((m) => m.type === "dropped", from, 5_000).catch(() => -1)
    }
    expect(dropped).toBeGreaterThanOrEqual(0)
    expect(stream.messages[dropped]!.count).toBeGreaterThan(0)
    await stream.until((m) => m.type === "log", dropped) // lines go on after the notice
    stream.ws.close()
    await stream.closed
  })

  it("closes a connection that stops answering pings", async () => {
    const { owner, sub } = await subscribe("logs-silent", 100_000)
    const stream = watch(sub.id, owner.token, { autoPong: false })
    await new Promise((resolve) => stream.ws.on("open", resolve))
    expect(await stream.closed).toBe(1006) // terminated, no close frame (a client that answers stays: the tests above)
  })
})
