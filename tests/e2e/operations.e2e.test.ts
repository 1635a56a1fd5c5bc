import { execFile } from "node:child_process"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { adminToken, api, balanceOf, customer, type StartedServer, startServer } from "../support/server.ts"

const exec = promisify(execFile)
const n8nBasic = "90000000-0000-4000-8000-000000000002"

let db: TestDatabase
let server: StartedServer
let http: ReturnType<typeof api>
let admin: string
let dir: string

/** The real kubectl against the started server's simulator. */
const kubectl = async (...args: Array<string>) =>
  (
    await exec("kubectl", ["--kubeconfig", join(dir, "kubeconfig.yaml"), ...args], {
      env: { PATH: process.env["PATH"], HOME: dir, KUBECACHEDIR: join(dir, "cache") },
      timeout: 30_000
    })
  ).stdout

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false })
  dir = await mkdtemp(join(tmpdir(), "minispod-ops-"))
  server = await startServer({
    DATABASE_URL: db.url,
    SIM_CLUSTER_READY_MS: "300",
    PROVISIONING_POLL_MS: "100",
    SIM_KUBECONFIG_PATH: join(dir, "kubeconfig.yaml"),
    // The loop's own tick stays out of the way: the tests run it through the admin route.
    INSTANCE_RECONCILE_SECONDS: "3600"
  })
  http = api(server.baseUrl)
  admin = await adminToken(http)
})
afterAll(async () => {
  await server?.stop()
  await db?.drop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

const until = async (probe: () => Promise<boolean>, what: string) => {
  const deadline = Date.now() + 20_000
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
const running = async (label: string) => {
  const user = await customer(http, admin, label, 200_000)
  const sub = (await http.post("/api/subscriptions", { planId: n8nBasic, instanceName: label }, user.token)).body.data
  await until(
    async () => (await http.get(`/api/instances/${sub.id}/status`, user.token)).body.data.status === "RUNNING",
    `${label} RUNNING`
  )
  const name = `${label}-${sub.id.slice(0, 8)}`
  return { user, sub, name, namespace: `user-${user.id}` }
}

describe("operating what runs, on a started server", () => {
  it("a Deployment deleted with kubectl is repaired by one loop run; health and the loop's lag are reported", async () => {
    const { user, sub, name, namespace } = await running("drifted")
    const before = await balanceOf(http, user.token)
    expect(await kubectl("delete", "deployment", name, "-n", namespace)).toMatch(/deleted/)
    const run = await http.post("/api/admin/instances/reconcile", {}, admin)
    expect(run.body.data).toMatchObject({ ran: true, counts: { reapplied: 1, failed: 0 } })
    expect(await kubectl("get", "deployment", name, "-n", namespace, "-o", "jsonpath={.spec.replicas}")).toBe("1")
    expect(await balanceOf(http, user.token)).toBe(before)

    const health = (await http.get("/api/admin/health", admin)).body.data
    expect(health).toMatchObject({
      database: { ok: true },
      clusterApi: { ok: true },
      metricsApi: { available: true },
      scheduler: { leader: expect.any(String) },
      reconciliation: { lagSeconds: expect.any(Number), lastRun: { repaired: 1 } }
    })
    expect((await http.get(`/api/instances/${sub.id}`, user.token)).body.data).toMatchObject({
      healthStatus: null,
      lastHealthCheck: expect.any(String)
    }) // repaired this run: judged next run
    // Once the re-applied pods are ready, a run judges it HEALTHY.
    await until(async () => {
      await http.post("/api/admin/instances/reconcile", {}, admin)
      return (await http.get(`/api/instances/${sub.id}/status`, user.token)).body.data.healthStatus === "HEALTHY"
    }, "a HEALTHY verdict")
    // The business on /metrics, beside HTTP.
    const scraped = await (await fetch(`${server.baseUrl}/metrics`)).text()
    expect(scraped).toMatch(/^minispod_instances\{status="RUNNING"\} [1-9]/m)
    expect(scraped).toMatch(/^minispod_subscriptions\{status="ACTIVE"\} [1-9]/m)
    expect(scraped).toMatch(/^minispod_instance_health\{status="HEALTHY"\} [1-9]/m)
    expect(scraped).toMatch(/^minispod_wallet_rupiah\{kind="balance"\} [1-9]/m)
    const detail = (await http.get(`/api/admin/subscriptions/${sub.id}`, admin)).body.data
    expect(detail.operations.lastRepair.repair).toBe("reapplied")
    expect(detail.events.map((e: { type: string }) => e.type)).toContain("InstanceDriftRepaired")
    expect(detail.transactions.length).toBeGreaterThan(0)
    expect((await http.get(`/api/admin/subscriptions/${sub.id}`, user.token)).status).toBe(403)
  })

  it("maintenance: the owner cannot stop it, the admin can (admin id and reason in the event metadata)", async () => {
    const { user, sub } = await running("tended")
    expect((await http.put(`/api/admin/instances/${sub.id}/maintenance`, { enabled: true }, admin)).status).toBe(400) // reason required
    const on = await http.put(
      `/api/admin/instances/${sub.id}/maintenance`,
      { enabled: true, reason: "disk migration" },
      admin
    )
    expect(on.body.data.operations.maintenance).toMatchObject({ reason: "disk migration" })
    const refused = await http.put(`/api/instances/${sub.id}/stop`, {}, user.token)
    expect(refused.status).toBe(409)
    expect(refused.body.error.code).toBe("INVALID_TRANSITION")
    // Nor reconfigure it (a restart) nor cancel it; nothing changes.
    for (const attempt of [
      () =>
        http.put(
          `/api/instances/${sub.id}`,
          { name: "Renamed", env: { GENERIC_TIMEZONE: "Asia/Jakarta" } },
          user.token
        ),
      () => http.delete(`/api/subscriptions/${sub.id}`, user.token),
      () => http.delete(`/api/instances/${sub.id}`, user.token)
    ]) {
      const answer = await attempt()
      expect([answer.status, answer.body.error.code]).toEqual([409, "INVALID_TRANSITION"])
    }
    const unchanged = (await http.get(`/api/subscriptions/${sub.id}`, user.token)).body.data
    expect(unchanged).toMatchObject({ status: "ACTIVE", instanceStatus: "RUNNING" })
    expect(unchanged.displayName).not.toBe("Renamed")
    expect(
      (await http.put(`/api/admin/instances/${sub.id}/stop`, { reason: "moving the volume" }, admin)).body.data
        .instanceStatus
    ).toBe("STOPPED")
    expect(
      (await http.put(`/api/admin/instances/${sub.id}/start`, { reason: "volume moved" }, admin)).body.data
        .instanceStatus
    ).toBe("STARTING")
    await http.put(`/api/admin/instances/${sub.id}/maintenance`, { enabled: false, reason: "done" }, admin)
    await until(
      async () => (await http.get(`/api/instances/${sub.id}/status`, user.token)).body.data.status === "RUNNING",
      "RUNNING again"
    )
    expect((await http.put(`/api/instances/${sub.id}/restart`, {}, user.token)).status).toBe(200)

    const events = (await http.get(`/api/admin/subscriptions/${sub.id}`, admin)).body.data.events as Array<{
      type: string
      data: any
      metadata: any
    }>
    const stop = events.find((e) => e.type === "InstanceTransitioned" && e.data.to === "STOPPING")!
    expect(stop.metadata).toMatchObject({ actor: expect.any(String), reason: "moving the volume" })
    expect(stop.metadata.actor).not.toBe(user.id)
    expect(events.filter((e) => e.type.startsWith("Maintenance")).map((e) => [e.type, e.metadata.reason])).toEqual([
      ["MaintenanceStarted", "disk migration"],
      ["MaintenanceEnded", "done"]
    ])
    expect(
      (
        await http.put(
          `/api/admin/instances/00000000-0000-4000-8000-000000000000/restart`,
          { reason: "nothing" },
          admin
        )
      ).status
    ).toBe(404)
  })

  it("an object labelled managed-by minispod created with kubectl is listed as an orphan and removed only with confirm, audited", async () => {
    await writeFile(
      join(dir, "stray.yaml"),
      `apiVersion: v1
kind: Namespace
metadata: {name: stray}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: stray-app
  namespace: stray
  labels: {app.kubernetes.io/managed-by: minispod, app.kubernetes.io/component: app, app.kubernetes.io/instance: stray-app}
spec:
  replicas: 1
  selector: {matchLabels: {app.kubernetes.io/instance: stray-app}}
  template:
    metadata: {labels: {app.kubernetes.io/instance: stray-app}}
    spec: {containers: [{name: app, image: nginx:1}]}
`
    )
    await kubectl("apply", "--server-side", "-f", join(dir, "stray.yaml"))
    const listed = (await http.get("/api/admin/pods/orphaned", admin)).body.data.items as Array<{
      namespace: string
      name: string
    }>
    expect(listed.map((o) => `${o.namespace}/${o.name}`)).toEqual(["stray/stray-app"])
    expect((await http.post("/api/admin/pods/orphaned/cleanup", { confirm: false }, admin)).status).toBe(400)
    expect(await kubectl("get", "deployment", "stray-app", "-n", "stray", "-o", "name")).toMatch(/stray-app/)
    const cleaned = await http.post(
      "/api/admin/pods/orphaned/cleanup",
      {
        confirm: true,
        reason: "left over by a test",
        resources: listed.map(({ namespace, name }) => ({ namespace, name }))
      },
      admin
    )
    expect(cleaned.body.data.removed).toEqual([{ namespace: "stray", name: "stray-app" }])
    expect((await http.get("/api/admin/pods/orphaned", admin)).body.data.items).toEqual([])
    const [audit] = await db.sql`select data, metadata from events where stream_id = 'cluster-admin'`
    expect(audit).toMatchObject({
      data: {
        _tag: "OrphansRemoved",
        reason: "left over by a test",
        removed: [{ namespace: "stray", name: "stray-app" }]
      },
      metadata: { reason: "left over by a test" }
    })
  })

  it("nodes: cordon (kubectl sees it), kubectl uncordon, drain evicts and the pod comes back on another node, uncordon; audited", async () => {
    const { sub, user } = await running("drained")
    const podOf = async () =>
      (
        (await http.get(`/api/admin/pods?userId=${user.id}`, admin)).body.data.items as Array<{
          instanceId: string
          node: string | null
          phase: string | null
        }>
      ).find((p) => p.instanceId === sub.id)!
    const { node } = await podOf()
    const nodeView = async (name: string) =>
      (
        (await http.get("/api/admin/nodes", admin)).body.data.items as Array<{
          name: string
          unschedulable: boolean
          pods: number
        }>
      ).find((n) => n.name === name)!

    const cordoned = await http.post(`/api/admin/nodes/${node}/cordon`, { reason: "kernel upgrade" }, admin)
    expect(cordoned.body.data).toEqual({ node, action: "cordon", unschedulable: true, evicted: [] })
    expect((await kubectl("get", "node", node!, "-o", "jsonpath={.spec.unschedulable}")).trim()).toBe("true")
    expect(await kubectl("uncordon", node!)).toMatch(/uncordoned/)
    expect((await nodeView(node!)).unschedulable).toBe(false)

    const drained = await http.post(`/api/admin/nodes/${node}/drain`, { reason: "kernel upgrade" }, admin)
    expect(drained.status).toBe(200)
    expect(drained.body.data.unschedulable).toBe(true)
    expect(drained.body.data.evicted.length).toBeGreaterThan(0)
    // Evicted, replaced by its Deployment, scheduled only on a node not cordoned.
    await until(async () => {
      const pod = await podOf()
      return pod.phase === "Running" && pod.node !== null && pod.node !== node
    }, "the pod running on another node")
    expect((await nodeView(node!)).pods).toBe(0)
    expect((await http.post(`/api/admin/nodes/${node}/uncordon`, {}, admin)).body.data).toMatchObject({
      action: "uncordon",
      unschedulable: false
    })

    expect((await http.post("/api/admin/nodes/no-such-node/cordon", {}, admin)).status).toBe(404)
    expect((await http.post(`/api/admin/nodes/${node}/cordon`, {}, user.token)).status).toBe(403)
    expect((await http.post("/api/admin/nodes/Bad_Name/cordon", {}, admin)).status).toBe(400)
    const audits = await db.sql<
      Array<{ data: { action: string; node: string }; metadata: { reason: string; actor: string } }>
    >`select data, metadata from events where stream_id = 'cluster-admin' and type = 'NodeOperated' order by position`
    expect(audits.map((a) => [a.data.action, a.data.node, a.metadata.reason])).toEqual([
      ["cordon", node, "kernel upgrade"],
      ["drain", node, "kernel upgrade"],
      ["uncordon", node, "uncordon by an administrator"]
    ])
  })
})
