/**
 * npm run bench:kubesim — the Kubernetes API simulator through @kubernetes/client-node: a
 * server-side apply that creates a Deployment (ReplicaSet and Pod follow), and a repeated
 * apply that changes nothing, against reading one ConfigMap (the baseline), same server, same
 * run. Writes are serialised (one advisory lock), so their rate is the simulator's ceiling.
 */
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node"
import { connect } from "../adapters/postgres/client.ts"
import { startKubeSimulator } from "../tests/support/kubeSimulator.ts"
import { benchDatabase, measure, statsHeader, statsLine } from "./harness.ts"

const seconds = Number(process.env["BENCH_SECONDS"] ?? 3)
const concurrencies = [4, 16]
const apply = setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply)

const db = await benchDatabase()
const sql = connect(db.url, { max: 16 })
const sim = await startKubeSimulator(sql, { readyDelayMs: 60_000 })
const core = sim.kubeConfig.makeApiClient(CoreV1Api)
const apps = sim.kubeConfig.makeApiClient(AppsV1Api)
await core.createNamespace({ body: { metadata: { name: "bench" } } })
await core.createNamespacedConfigMap({ namespace: "bench", body: { metadata: { name: "baseline" }, data: { k: "v" } } })

const deployment = (name: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, labels: { "app.kubernetes.io/managed-by": "minispod" } },
  spec: {
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: "app", image: "ghost:5", resources: { limits: { cpu: "500m", memory: "512Mi" } } }] }
    }
  }
})

let created = 0
const read = () => core.readNamespacedConfigMap({ name: "baseline", namespace: "bench" })
const applyNew = () => {
  const name = `d${created++}`
  return apps.patchNamespacedDeployment(
    { name, namespace: "bench", body: deployment(name), fieldManager: "minispod", force: true },
    apply
  )
}
const applyAgain = (worker: number) =>
  apps.patchNamespacedDeployment(
    { name: `d${worker}`, namespace: "bench", body: deployment(`d${worker}`), fieldManager: "minispod", force: true },
    apply
  )

process.stdout.write(`kube simulator bench — ${db.description}, ${seconds} s per run; baseline: GET one ConfigMap\n`)
process.stdout.write(`${statsHeader("create")}\n`)
const ratios = new Map<number, number>()
for (const c of concurrencies) {
  const baseline = await measure(c, seconds, read)
  const creates = await measure(c, seconds, applyNew)
  ratios.set(c, creates.opsPerSecond / baseline.opsPerSecond)
  process.stdout.write(`${statsLine(String(c), baseline, creates)}\n`)
}
process.stdout.write(`${statsHeader("noop")}\n`)
for (const c of concurrencies) {
  const baseline = await measure(c, seconds, read)
  const again = await measure(c, seconds, applyAgain)
  process.stdout.write(`${statsLine(String(c), baseline, again)}\n`)
}
await sim.simulator.settled()
await sim.stop()
await sql.end()
await db.close()
process.stdout.write(`kubesim apply-create/get ratio@16 = ${ratios.get(16)!.toFixed(3)}\n`)
