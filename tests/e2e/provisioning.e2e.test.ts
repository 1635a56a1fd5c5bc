import { execFile } from "node:child_process"
import { mkdtemp } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { serverForFile, waitFor } from "../support/e2eServer.ts"
import { seededPlans } from "../support/seededCatalog.ts"
import { api, type Api, balanceOf, customer, startServer } from "../support/server.ts"
import { compiledScript } from "../support/compiled.ts"

const exec = promisify(execFile)
const { n8nBasic, ghostBasic } = seededPlans

let db: TestDatabase
let http: Api
let admin: string
serverForFile(
  {
    JWT_SECRET: "prov-e2e-secret-prov-e2e-secret-prov",
    SIM_CLUSTER_READY_MS: "300",
    PROVISIONING_POLL_MS: "100",
    PROVISIONING_TIMEOUT_SECONDS: "2"
  },
  (world) => ({ db, http, admin } = world)
)

const balance = (token: string) => balanceOf(http, token)
const status = (token: string, id: string) => async () =>
  (await http.get(`/api/instances/${id}/status`, token)).body.data.status as string
const usedQuota = async (token: string, service: string, planId: string) =>
  (await http.get(`/api/catalog/services/${service}/plans`, token)).body.data.items.find(
    (p: { id: string }) => p.id === planId
  ).usedQuota as number

describe("provisioning on the simulated cluster", () => {
  it("subscribe → RUNNING → stop/start/restart with every transition checked → metrics → cancel", async () => {
    const user = await customer(http, admin, "runner", 100_000)
    const sub = (await http.post("/api/subscriptions", { planId: n8nBasic, instanceName: "flows" }, user.token)).body
      .data
    expect(await waitFor(status(user.token, sub.id), "RUNNING")).toBe("RUNNING")
    expect((await http.get(`/api/subscriptions/${sub.id}`, user.token)).body.data.status).toBe("ACTIVE")

    expect((await http.put(`/api/subscriptions/${sub.id}/start`, {}, user.token)).body.error.code).toBe(
      "INVALID_TRANSITION"
    )
    expect((await http.put(`/api/subscriptions/${sub.id}/stop`, {}, user.token)).body.data.status).toBe("STOPPED")
    const stopped = (await http.get(`/api/instances/${sub.id}`, user.token)).body.data
    expect(Date.parse(stopped.lastStoppedAt)).toBeGreaterThanOrEqual(Date.parse(stopped.lastStartedAt)) // came up, then stopped
    expect(stopped).toMatchObject({ lastStarted: stopped.lastStartedAt, lastStopped: stopped.lastStoppedAt })
    expect((await http.put(`/api/instances/${sub.id}/stop`, {}, user.token)).body.error.code).toBe("INVALID_TRANSITION")
    expect((await http.put(`/api/instances/${sub.id}/start`, {}, user.token)).body.data.status).toBe("STARTING")
    expect(await waitFor(status(user.token, sub.id), "RUNNING")).toBe("RUNNING")
    const started = (await http.get(`/api/instances/${sub.id}/status`, user.token)).body.data
    expect(started.lastStoppedAt).toBe(stopped.lastStoppedAt)
    expect(Date.parse(started.lastStartedAt)).toBeGreaterThan(Date.parse(stopped.lastStartedAt)) // started again after the stop
    expect((await http.post(`/api/subscriptions/${sub.id}/restart`, {}, user.token)).body.data.status).toBe(
      "RESTARTING"
    )
    expect(await waitFor(status(user.token, sub.id), "RUNNING")).toBe("RUNNING")

    const configured = await http.put(
      `/api/instances/${sub.id}`,
      { name: "My flows", env: { WEBHOOK_URL: "https://hooks.example.com/x" } },
      user.token
    )
    expect(configured.body.data).toMatchObject({ name: "My flows", resourceName: "flows", status: "RESTARTING" })
    expect(await waitFor(status(user.token, sub.id), "RUNNING")).toBe("RUNNING")
    expect((await http.put(`/api/instances/${sub.id}`, { env: { "bad-name": "x" } }, user.token)).status).toBe(400)
    const [reconfigured] = await db.sql<
      Array<{ data: { envKeys: Array<string> } }>
    >`select data from events where stream_id = ${`subscription-${sub.id}`} and type = 'InstanceReconfigured'`
    expect(reconfigured!.data.envKeys).toEqual(["WEBHOOK_URL"])
    expect(JSON.stringify(reconfigured!.data)).not.toContain("hooks.example.com") // values stay out of the log

    const metrics = (await http.get(`/api/subscriptions/${sub.id}/metrics`, user.token)).body.data
    expect(metrics).toMatchObject({
      instanceId: sub.id,
      status: "RUNNING",
      cpu: { limit: 500 },
      memory: { limit: 512 }
    })
    expect(metrics.cpu.percentage).toBeGreaterThan(0)
    expect(metrics.urls.public).toMatch(/^https:\/\/flows-[0-9a-f]{8}\.apps\.minispod\.local$/)
    expect(metrics.urls).toHaveProperty("admin")
    expect(metrics).toMatchObject({ metrics: { cpu: metrics.cpu, memory: metrics.memory }, reason: null })
    // Without the metrics API (no metrics-server: the group answers 404) the answer says so, never a 5xx.
    expect(
      (await http.post("/dev/kube/_faults", { kind: "error", status: 404, path: "/apis/metrics.k8s.io", count: 10 }))
        .status
    ).toBe(201)
    const absent = await http.get(`/api/subscriptions/${sub.id}/metrics`, user.token)
    await http.delete("/dev/kube/_faults")
    expect(absent.status).toBe(200)
    expect(absent.body.data).toMatchObject({
      instanceId: sub.id,
      cpu: null,
      memory: null,
      metrics: null,
      reason: "metrics.k8s.io is not served (no metrics-server)"
    })

    const pods = (await http.get("/api/admin/pods", admin)).body.data.items
    expect(pods.find((p: { instanceId: string }) => p.instanceId === sub.id)).toMatchObject({
      namespace: `user-${user.id}`,
      name: `flows-${sub.id.slice(0, 8)}`,
      instanceStatus: "RUNNING",
      metrics: { phase: "Running" }
    })
    const placed = pods.find((p: { instanceId: string }) => p.instanceId === sub.id)
    expect(placed).toMatchObject({
      serviceSlug: "n8n",
      phase: "Running",
      restarts: 0,
      metricsReason: null,
      ownerId: user.id
    })
    expect(placed.node).toMatch(/^kubesim-node-\d$/)
    // Filters: owner, service (slug or id), instance status, node — each one narrows, a miss is an empty page.
    const ids = async (query: string) =>
      ((await http.get(`/api/admin/pods?${query}`, admin)).body.data.items as Array<{ instanceId: string }>).map(
        (p) => p.instanceId
      )
    for (const query of [
      `userId=${user.id}`,
      "service=n8n",
      `service=${placed.serviceId}`,
      "status=RUNNING",
      `node=${placed.node}`,
      `userId=${user.id}&service=n8n&status=RUNNING&node=${placed.node}`
    ]) {
      expect(await ids(query)).toContain(sub.id)
    }
    for (const query of [
      "service=ghost",
      "status=STOPPED",
      "node=no-such-node",
      "userId=00000000-0000-4000-8000-000000000000"
    ])
      expect(await ids(query)).not.toContain(sub.id)
    expect((await http.get("/api/admin/pods?status=", admin)).status).toBe(400)
    const node = (await http.get("/api/admin/nodes", admin)).body.data.items.find(
      (n: { name: string }) => n.name === placed.node
    )
    expect(node).toMatchObject({
      ready: true,
      unschedulable: false,
      capacity: { cpuMilli: 8000, memoryMb: 32768, pods: 110 },
      allocatable: { cpuMilli: 7800, pods: 110 },
      usageReason: null
    })
    expect(node.pods).toBeGreaterThan(0)
    expect(node.conditions).toContainEqual(expect.objectContaining({ type: "Ready", status: "True" }))
    expect(node.usage.cpuMilli).toBeGreaterThan(0)
    // The provisioning just finished is in the duration histogram.
    const scraped = (await http.get("/metrics")).body as string
    expect(
      Number(/^minispod_provisioning_duration_seconds_count\{outcome="running"\} (\d+)$/m.exec(scraped)?.[1])
    ).toBeGreaterThanOrEqual(1)
    expect(scraped).toMatch(/^minispod_provisioning_duration_seconds_bucket\{outcome="running",le="\+Inf"\} \d+$/m)
    const nodes = (await http.get("/api/admin/health", admin)).body.data.nodes
    expect(nodes.ready).toBe(nodes.total)
    expect((await http.get("/api/admin/pods", user.token)).status).toBe(403)

    const [transitions] = await db.sql<
      Array<{ n: number }>
    >`select count(*)::int as n from events where stream_id = ${`subscription-${sub.id}`} and type in ('InstanceTransitioned', 'InstanceRunning')`
    expect(transitions!.n).toBe(9) // running, stopping, stopped, starting, running, restarting, running, restarting, running
    const other = await customer(http, admin, "peeker", 0)
    expect((await http.put(`/api/instances/${sub.id}/stop`, {}, other.token)).status).toBe(404)
    expect((await http.get(`/api/subscriptions/${sub.id}/metrics`, other.token)).status).toBe(404)
    expect((await http.post(`/api/subscriptions/${sub.id}/retry-provisioning`, {}, user.token)).body.error.code).toBe(
      "INVALID_TRANSITION"
    )
    expect((await http.delete(`/api/subscriptions/${sub.id}`, user.token)).body.data.instanceStatus).toBe("TERMINATED")
    // Retry from TERMINATED brings it back (charged as a new month).
    expect((await http.post(`/api/subscriptions/${sub.id}/retry-provisioning`, {}, user.token)).body.data.status).toBe(
      "PROVISIONING"
    )
    expect(await waitFor(status(user.token, sub.id), "RUNNING")).toBe("RUNNING")
  })

  it("an injected failure ends in ERROR with exactly one refund and the slot free", async () => {
    const user = await customer(http, admin, "failing", 100_000)
    const before = await usedQuota(user.token, "ghost", ghostBasic)
    const sub = (await http.post("/api/subscriptions", { planId: ghostBasic, instanceName: "crash-blog" }, user.token))
      .body.data
    expect(await balance(user.token)).toBe(25_000)
    expect(await waitFor(status(user.token, sub.id), "ERROR")).toBe("ERROR")
    await new Promise((r) => setTimeout(r, 500)) // several more worker passes: nothing more may happen
    expect(await balance(user.token)).toBe(100_000)
    const [refunds] = await db.sql<
      Array<{ n: number }>
    >`select count(*)::int as n from ledger_entries where user_id = ${user.id} and type = 'REFUND'`
    expect(refunds!.n).toBe(1)
    expect(await usedQuota(user.token, "ghost", ghostBasic)).toBe(before)
    const detail = (await http.get(`/api/subscriptions/${sub.id}`, user.token)).body.data
    expect(detail).toMatchObject({ status: "FAILED", instanceError: expect.stringContaining("CrashLoopBackOff") })
    // The service is free again: the user may subscribe anew.
    expect(
      (await http.post("/api/subscriptions", { planId: ghostBasic, instanceName: "blog" }, user.token)).status
    ).toBe(201)
  })

  it("a provisioning that never gets ready times out the same way", async () => {
    const user = await customer(http, admin, "hanging", 100_000)
    const sub = (await http.post("/api/subscriptions", { planId: n8nBasic, instanceName: "hang-flows" }, user.token))
      .body.data
    expect(await waitFor(status(user.token, sub.id), "ERROR")).toBe("ERROR")
    expect(await balance(user.token)).toBe(100_000)
    expect((await http.get(`/api/subscriptions/${sub.id}`, user.token)).body.data.instanceError).toMatch(
      /not ready after 2 s/
    )
    // Retry from ERROR: charged again, provisioning again (and, hanging again, refunded again).
    const retried = await http.post(`/api/subscriptions/${sub.id}/retry-provisioning`, {}, user.token)
    expect(retried.body.data.status).toBe("PROVISIONING")
    expect(await balance(user.token)).toBe(50_000)
    expect(await waitFor(status(user.token, sub.id), "ERROR")).toBe("ERROR")
    expect(await balance(user.token)).toBe(100_000)
    const audit = await exec(process.execPath, [compiledScript("audit")], {
      env: { ...process.env, DATABASE_URL: db.url }
    })
    expect(audit.stdout).toMatch(/AUDIT OK/)
  })

  it("is durable: a server killed mid-provisioning converges after a restart, with no duplicate objects and the same secrets", async () => {
    const db2 = await createTestDatabase({ migrate: false })
    const kubeconfig = join(await mkdtemp(join(tmpdir(), "minispod-durable-")), "kubeconfig.yaml")
    const env = {
      DATABASE_URL: db2.url,
      JWT_SECRET: "durable-secret-durable-secret-durable",
      SIM_CLUSTER_READY_MS: "3000",
      PROVISIONING_POLL_MS: "100",
      SIM_KUBECONFIG_PATH: kubeconfig
    }
    const kubectl = async (...args: Array<string>) =>
      JSON.parse((await exec("kubectl", ["--kubeconfig", kubeconfig, ...args, "-o", "json"])).stdout)
    const first = await startServer(env)
    const client = api(first.baseUrl)
    const token = (await client.post("/api/auth/login", { email: "admin@minispod.local", password: "minispod-admin" }))
      .body.data.accessToken
    const me = (await client.get("/api/auth/profile", token)).body.data
    await client.post(
      `/api/admin/users/${me.id}/credit-adjustment`,
      { amount: 100_000, reason: "durability test" },
      token
    )
    const sub = (await client.post("/api/subscriptions", { planId: n8nBasic, instanceName: "durable" }, token)).body
      .data
    expect(sub.instanceStatus).toBe("PROVISIONING")
    const ns = `user-${me.id}`
    const selector = `minispod.io/instance-id=${sub.id}`
    let secrets: Array<any> = []
    for (let i = 0; i < 100 && secrets.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50))
      secrets = (await kubectl("get", "secrets", "-n", ns, "-l", selector)).items
    }
    expect(secrets).toHaveLength(1) // the apply had begun
    await first.stop("SIGKILL") // before the cluster could report ready
    const second = await startServer(env)
    try {
      const again = api(second.baseUrl)
      const token2 = (
        await again.post("/api/auth/login", { email: "admin@minispod.local", password: "minispod-admin" })
      ).body.data.accessToken
      const read = async () => (await again.get(`/api/instances/${sub.id}/status`, token2)).body.data.status as string
      expect(await waitFor(read, "RUNNING")).toBe("RUNNING")
      expect((await kubectl("get", "deployments", "-n", ns, "-l", selector)).items).toHaveLength(1)
      const after = (await kubectl("get", "secrets", "-n", ns, "-l", selector)).items
      expect(after).toHaveLength(1)
      expect(after[0].data["credential.secret"]).toBe(secrets[0].data["credential.secret"]) // generated once, kept
    } finally {
      await second.stop()
      await db2.drop()
    }
  })
})
