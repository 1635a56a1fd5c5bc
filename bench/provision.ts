/**
 * npm run bench:provision — one provisioning on the Kubernetes API simulator (the real adapter:
 * tenant objects, Secret, PVC, Deployment, Service, Ingress by server-side apply, then readiness
 * watched until Ready) against a baseline measured in the same run: one server-side apply of a
 * single ConfigMap through the same client. Prints the API calls each provisioning makes.
 */
import { randomUUID } from "node:crypto"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { KubeConfig } from "@kubernetes/client-node"
import { Effect } from "effect"
import Koa from "koa"
import { makeKubeClient } from "../adapters/kubernetes/client.ts"
import { makeKubernetesCluster } from "../adapters/kubernetes/cluster.ts"
import { makeKubeSimulator } from "../adapters/kubesim/simulator.ts"
import { connect } from "../adapters/postgres/client.ts"
import type { ComponentSpec, InstanceSpec } from "../application/ports/cluster.ts"
import { benchDatabase, fmt, measure } from "./harness.ts"

const seconds = Number(process.env["BENCH_SECONDS"] ?? 5)
const db = await benchDatabase()
const sql = connect(db.url, { max: 8 })
let selfUrl = ""
const simulator = await makeKubeSimulator({ sql, selfUrl: () => selfUrl, readyDelayMs: 0 })
const app = new Koa()
app.silent = true
app.use(simulator.router.routes())
const server = createServer(app.callback())
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
selfUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
const kubeConfig = () => {
  const kc = new KubeConfig()
  kc.loadFromString(simulator.kubeconfig())
  return kc
}
const options = {
  kubeConfig,
  requestTimeoutMs: 10_000,
  retries: 4,
  retryBaseMs: 200,
  crashLoopRestarts: 3,
  ingressClass: "nginx",
  tlsIssuer: "letsencrypt",
  storageClass: undefined,
  imagePullSecret: undefined,
  ingressNamespace: "ingress-nginx"
}
const kube = makeKubeClient(options)
const cluster = makeKubernetesCluster(options, kube).service

const component = (role: ComponentSpec["role"], image: string, port: number): ComponentSpec => ({
  role,
  image,
  port,
  env: { PASSWORD: "{{db_password}}", URL: "https://x.apps.test" },
  cpuMilli: 500,
  memoryMb: 512,
  storageGb: 5,
  volume: { mountPath: "/data" },
  probe: { kind: "tcp" },
  securityContext: { runAsUser: 1000, fsGroup: 1000 }
})
const spec = (withDatabase: boolean): InstanceSpec => {
  const id = randomUUID()
  const userId = randomUUID()
  const name = `bench-${id.slice(0, 8)}`
  return {
    instanceId: id,
    subscriptionId: id,
    serviceSlug: "ghost",
    namespace: `user-${userId}`,
    name,
    host: `${name}.apps.test`,
    app: component("app", "ghost:5-alpine", 2368),
    database: withDatabase ? component("database", "mysql:8.0", 3306) : undefined,
    secrets: ["db_password"],
    tenant: { userId, cpuMilli: 2000, memoryMb: 2048, storageGb: 20, containers: 2 }
  }
}
const provision = (withDatabase: boolean) => {
  const s = spec(withDatabase)
  return Effect.runPromise(
    Effect.gen(function* () {
      yield* cluster.apply(s)
      const readiness = yield* cluster.awaitReadiness(s.namespace, s.name, 30_000)
      if (readiness._tag !== "Ready") throw new Error(`not ready: ${JSON.stringify(readiness)}`)
    })
  )
}
const callsOf = async (withDatabase: boolean) => {
  const before = kube.calls()
  await provision(withDatabase)
  return kube.calls() - before
}
const baseline = () =>
  Effect.runPromise(
    kube.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `bench-${randomUUID().slice(0, 8)}`, namespace: "default" },
      data: { a: "b" }
    })
  )

await callsOf(true) // warm-up: the client's discovery of resource paths is cached after the first calls
const callsApp = await callsOf(false)
const callsDb = await callsOf(true)
process.stdout.write(
  `provision bench — ${db.description}, simulator ready delay 0 ms, ${seconds} s per run, 1 worker\n`
)
const base = await measure(1, seconds, baseline)
const appOnly = await measure(1, seconds, () => provision(false))
const withDb = await measure(1, seconds, () => provision(true))
process.stdout.write(`            ops/s   p50 ms   p99 ms\n`)
for (const [label, s] of [
  ["one apply", base],
  ["app", appOnly],
  ["app + db", withDb]
] as const) {
  process.stdout.write(
    `${label.padEnd(10)}${fmt(s.opsPerSecond, 1)} ${fmt(s.p50Ms, 1)} ${fmt(s.p99Ms, 1)}${s.failures ? `  (${s.failures} failed)` : ""}\n`
  )
}
await simulator.close()
server.closeAllConnections()
server.close()
await sql.end()
await db.close()
process.stdout.write(
  `provision p50 / one-apply p50 = ${(appOnly.p50Ms / base.p50Ms).toFixed(1)} (app), ${(withDb.p50Ms / base.p50Ms).toFixed(1)} (app + db); API calls per provisioning: ${callsApp} (app), ${callsDb} (app + db)\n`
)
