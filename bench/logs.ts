/**
 * npm run bench:logs — live logs through the log socket (issue 13 §1). Throughput: log lines a
 * second through one WebSocket (kube log follow → LogStream adapter → ANSI strip → JSON frame →
 * a `ws` client) against a baseline measured in the same run: the same pod's log followed
 * straight from the Kubernetes API simulator over HTTP (what the adapter itself reads), same
 * server process. The pod is a chatty app (the simulator's log-interval annotation: more lines
 * than either path can carry). Memory: the server's resident set idle, then with 100 concurrent
 * streams open (one user, clients reading).
 */
import { readFile } from "node:fs/promises"
import { WebSocket } from "ws"
import { logsProtocol } from "../adapters/ws/logs.ts"
import { adminToken, api, customer, startServer } from "../tests/support/server.ts"
import { benchDatabase, fmt } from "./harness.ts"
import { appendResult } from "./results.ts"

const seconds = Number(process.env["BENCH_SECONDS"] ?? 5)
const streamCount = 100
const ghostBasic = "90000000-0000-4000-8000-000000000004"
const n8nBasic = "90000000-0000-4000-8000-000000000002"
const db = await benchDatabase()
const server = await startServer({
  DATABASE_URL: db.url,
  JWT_SECRET: "bench-logs-secret-bench-logs-secret-00000",
  CHECK_RESPONSES: "false",
  SIM_CLUSTER_READY_MS: "100",
  PROVISIONING_POLL_MS: "100",
  LOG_STREAMS_PER_USER: String(streamCount + 10)
})
const http = api(server.baseUrl)
const admin = await adminToken(http)
const owner = await customer(http, admin, "bench-logs", 1_000_000)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const rssMiB = async () =>
  Number(/VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${server.process.pid}/status`, "utf8"))![1]) / 1024
const kube = (path: string, init?: RequestInit) => fetch(`${server.baseUrl}/dev/kube${path}`, init)
const runningPod = async (namespace: string, name: string, annotated: boolean) => {
  for (;;) {
    const pods = (await (
      await kube(
        `/api/v1/namespaces/${namespace}/pods?labelSelector=app.kubernetes.io/instance=${name},app.kubernetes.io/component=app`
      )
    ).json()) as { items: Array<any> }
    const pod = pods.items.find(
      (p) =>
        p.status?.phase === "Running" &&
        (p.metadata.annotations?.["sim.minispod.dev/log-interval-ms"] !== undefined) === annotated
    )
    if (pod !== undefined && pods.items.length === 1) return pod.metadata.name as string
    await sleep(200)
  }
}
const instance = async (label: string, planId: string) => {
  const sub = (await http.post("/api/subscriptions", { planId, instanceName: label }, owner.token)).body.data
  for (;;) {
    const pod = (
      (await http.get("/api/admin/pods?limit=100", admin)).body.data.items as Array<{
        namespace: string
        name: string
        instanceId: string
      }>
    ).find((p) => p.instanceId === sub.id)
    if (pod !== undefined) return { id: sub.id as string, namespace: pod.namespace, name: pod.name }
    await sleep(200)
  }
}

const chatty = await instance("chatty", ghostBasic)
await runningPod(chatty.namespace, chatty.name, false)
await kube(`/apis/apps/v1/namespaces/${chatty.namespace}/deployments/${chatty.name}`, {
  method: "PATCH",
  headers: { "content-type": "application/merge-patch+json" },
  body: JSON.stringify({
    spec: { template: { metadata: { annotations: { "sim.minispod.dev/log-interval-ms": "0.01" } } } }
  })
})
const chattyPod = await runningPod(chatty.namespace, chatty.name, true)

/** Baseline: the pod's log followed over HTTP from the simulator; lines counted for `seconds`. */
const rawLinesPerSecond = async () => {
  const abort = new AbortController()
  const response = await kube(
    `/api/v1/namespaces/${chatty.namespace}/pods/${chattyPod}/log?follow=true&timestamps=true&tailLines=0&container=app`,
    { signal: abort.signal }
  )
  const reader = response.body!.getReader()
  let lines = 0
  const started = performance.now()
  while (performance.now() - started < seconds * 1000) {
    const { value, done } = await reader.read()
    if (done) break
    for (const byte of value) if (byte === 10) lines++
  }
  const elapsed = (performance.now() - started) / 1000
  abort.abort()
  return lines / elapsed
}

const socket = (instanceId: string, onMessage: (type: string, count: number) => void) =>
  new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`${server.baseUrl.replace("http", "ws")}/ws/logs?instanceId=${instanceId}`, [
      logsProtocol,
      `bearer.${owner.token}`
    ])
    ws.on("message", (data) => {
      const message = JSON.parse(data.toString()) as { type: string; count?: number }
      onMessage(message.type, message.count ?? 0)
    })
    ws.once("open", () => resolve(ws))
    ws.once("error", reject)
  })

/** Lines a second through one socket, once its first line came (the 100-line tail not counted). */
const wsLinesPerSecond = async () => {
  let lines = 0
  let dropped = 0
  let first: () => void = () => {}
  const started = new Promise<void>((resolve) => (first = resolve))
  const ws = await socket(chatty.id, (type, count) => {
    if (type === "log") lines++
    if (type === "dropped") dropped += count
    if (lines === 101) first()
  })
  await started
  const [from, t0] = [lines, performance.now()]
  await sleep(seconds * 1000)
  const rate = (lines - from) / ((performance.now() - t0) / 1000)
  ws.close()
  return { rate, dropped }
}

process.stdout.write(
  `logs bench — ${db.description}, ${seconds} s per run; the machine is shared (load ${(await readFile("/proc/loadavg", "utf8")).split(" ")[0]})\n`
)
const raw = await rawLinesPerSecond()
const ws = await wsLinesPerSecond()
process.stdout.write(
  `raw kube log follow:   ${fmt(raw)} lines/s\none WebSocket:         ${fmt(ws.rate)} lines/s (${ws.dropped} dropped by the slow-client cap)\n`
)

// Memory: the chatty app stopped, 100 streams of an ordinary app (one line a second each).
await http.put(`/api/subscriptions/${chatty.id}/stop`, {}, owner.token)
const plain = await instance("plain", n8nBasic)
await runningPod(plain.namespace, plain.name, false)
await sleep(2_000)
const idle = await rssMiB()
let attached = 0
const sockets = await Promise.all(
  Array.from({ length: streamCount }, () => socket(plain.id, (type) => type === "attached" && attached++))
)
while (attached < streamCount) await sleep(100)
await sleep(seconds * 1000)
const loaded = await rssMiB()
process.stdout.write(
  `server RSS idle:        ${fmt(idle, 1)} MiB\nwith ${streamCount} streams:      ${fmt(loaded, 1)} MiB\n`
)
for (const s of sockets) s.close()
await server.stop()
await db.close()
const figures = `ws/raw lines/s = ${(ws.rate / raw).toFixed(3)} (${Math.round(ws.rate)} vs ${Math.round(raw)}); RSS ${streamCount} streams = ${loaded.toFixed(1)} MiB (idle ${idle.toFixed(1)}, ${(((loaded - idle) * 1024) / streamCount).toFixed(0)} KiB per stream)`
await appendResult("bench:logs", figures)
process.stdout.write(`logs ${figures}\n`)
