import { execFile } from "node:child_process"
import { mkdtemp } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { waitFor as waitUntil } from "../support/e2eServer.ts"
import { adminToken, api, balanceOf, customer, type StartedServer, startServer } from "../support/server.ts"
import { compiledScript } from "../support/compiled.ts"

/**
 * Issue 8 as a user sees it: the server started on its embedded defaults (the Kubernetes API
 * simulator driven by the real adapter), every object read back with kubectl.
 */
const exec = promisify(execFile)
const plans = {
  n8n: "90000000-0000-4000-8000-000000000002",
  ghost: "90000000-0000-4000-8000-000000000004",
  wordpress: "90000000-0000-4000-8000-000000000006",
  wordpressPremium: "90000000-0000-4000-8000-000000000007",
  postgresql: "90000000-0000-4000-8000-000000000008"
} as const

let db: TestDatabase
let server: StartedServer
let http: ReturnType<typeof api>
let admin: string
let kubeconfig: string
let env: Record<string, string>

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false })
  kubeconfig = join(await mkdtemp(join(tmpdir(), "minispod-kube-")), "kubeconfig.yaml")
  env = {
    DATABASE_URL: db.url,
    JWT_SECRET: "kube-e2e-secret-kube-e2e-secret-kube",
    SIM_CLUSTER_READY_MS: "200",
    SIM_KUBECONFIG_PATH: kubeconfig,
    PROVISIONING_POLL_MS: "100",
    PROVISIONING_TIMEOUT_SECONDS: "6"
  }
  server = await startServer(env)
  http = api(server.baseUrl)
  admin = await adminToken(http)
})
afterAll(async () => {
  await server.stop()
  await db.drop()
})

const kubectl = async (...args: Array<string>) =>
  JSON.parse((await exec("kubectl", ["--kubeconfig", kubeconfig, ...args, "-o", "json"])).stdout)
const items = async (kind: string, namespace: string, selector?: string) =>
  (await kubectl("get", kind, "-n", namespace, ...(selector ? ["-l", selector] : []))).items as Array<any>

const waitFor = (read: () => Promise<string>, wanted: string) => waitUntil(read, wanted, 20_000)
const status = (token: string, id: string) => async () =>
  (await http.get(`/api/instances/${id}/status`, token)).body.data.status as string
const decoded = (secret: any) =>
  Object.fromEntries(
    Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, "base64").toString()])
  )

describe("Kubernetes for real, on the embedded simulator", () => {
  it("four services: objects with the right specs, RUNNING, rendered secrets; stop/start/restart, upgrade, a MinisPod restart, cancel", async () => {
    const user = await customer(http, admin, "kube", 1_000_000)
    const ns = `user-${user.id}`
    const subs: Record<string, any> = {}
    for (const service of ["n8n", "ghost", "wordpress", "postgresql"] as const) {
      subs[service] = (
        await http.post(
          "/api/subscriptions",
          { planId: plans[service], instanceName: service === "postgresql" ? "db" : "site" },
          user.token
        )
      ).body.data
    }
    for (const sub of Object.values(subs)) expect(await waitFor(status(user.token, sub.id), "RUNNING")).toBe("RUNNING")
    const name = (service: string) => `${service === "postgresql" ? "db" : "site"}-${subs[service].id.slice(0, 8)}`

    // Objects, read back with kubectl.
    const deployments = await items("deployments", ns)
    const byName = new Map(deployments.map((d) => [d.metadata.name, d]))
    expect([...byName.keys()].sort()).toEqual(
      [
        name("n8n"),
        name("ghost"),
        `${name("ghost")}-db`,
        name("wordpress"),
        `${name("wordpress")}-db`,
        name("postgresql")
      ].sort()
    )
    expect(byName.get(`${name("ghost")}-db`).spec.template.spec.containers[0].image).toBe("mysql:8.0")
    expect(byName.get(`${name("wordpress")}-db`).spec.template.spec.containers[0].image).toBe("mariadb:11.4")
    for (const d of deployments) {
      expect(d.spec.strategy.type).toBe("Recreate")
      expect(d.spec.template.spec.automountServiceAccountToken).toBe(false)
      expect(d.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation).toBe(false)
      expect(d.spec.template.spec.containers[0].readinessProbe).toBeDefined()
      expect(d.metadata.labels["app.kubernetes.io/managed-by"]).toBe("minispod")
      expect(d.status.availableReplicas).toBe(1)
    }
    const wp = byName.get(name("wordpress")).spec.template.spec.containers[0]
    expect(wp.resources.limits).toEqual({ cpu: "500m", memory: "512Mi" })
    expect((await items("persistentvolumeclaims", ns)).map((p) => p.metadata.name)).toHaveLength(6)
    expect((await items("services", ns)).map((s) => s.metadata.name)).toHaveLength(6)
    const ingresses = await items("ingresses", ns)
    expect(ingresses.map((i) => i.spec.rules[0].host).sort()).toEqual(
      [name("n8n"), name("ghost"), name("wordpress")].map((n) => `${n}.apps.minispod.local`).sort()
    )
    expect(ingresses.every((i) => i.spec.tls[0].hosts[0] === i.spec.rules[0].host)).toBe(true)
    expect((await items("networkpolicies", ns)).map((p) => p.metadata.name).sort()).toEqual(
      ["allow-from-ingress-controller", "default-deny-ingress", `${name("ghost")}-db`, `${name("wordpress")}-db`].sort()
    )
    const quota = (await kubectl("get", "resourcequota", "tenant-quota", "-n", ns)).spec.hard
    // n8n 500 + Ghost 500 (+ MySQL 500) + WordPress 500 (+ MariaDB 250) + PostgreSQL 500
    expect(quota).toMatchObject({
      "limits.cpu": "2750m",
      "limits.memory": `${512 + 1024 + 512 + 384 + 1024}Mi`,
      pods: "7"
    })
    expect(await items("limitranges", ns)).toHaveLength(1)

    // Secrets: every placeholder rendered, generated values distinct per instance, readable by the owner only.
    const secrets = new Map((await items("secrets", ns)).map((s) => [s.metadata.name, decoded(s)]))
    for (const data of secrets.values()) expect(Object.values(data).join("\n")).not.toMatch(/\{\{/)
    const passwords = ["ghost", "wordpress", "postgresql"].map((s) => secrets.get(name(s))!["credential.db_password"])
    expect(new Set(passwords).size).toBe(3)
    expect(secrets.get(name("n8n"))!["app.N8N_ENCRYPTION_KEY"]).toBe(secrets.get(name("n8n"))!["credential.secret"])
    expect(secrets.get(name("wordpress"))!["app.WORDPRESS_DB_HOST"]).toBe(`${name("wordpress")}-db:3306`)
    expect(secrets.get(name("ghost"))!["app.url"]).toBe(`https://${name("ghost")}.apps.minispod.local`)
    const credentials = (await http.get(`/api/instances/${subs["wordpress"].id}/credentials`, user.token)).body.data
    expect(credentials.credentials.find((c: any) => c.name === "db_password").value).toBe(
      secrets.get(name("wordpress"))!["credential.db_password"]
    )
    const stranger = await customer(http, admin, "kube-stranger", 0)
    expect((await http.get(`/api/instances/${subs["wordpress"].id}/credentials`, stranger.token)).status).toBe(404)
    const [events] = await db.sql<Array<{ data: string }>>`select string_agg(data::text, ' ') as data from events`
    for (const p of passwords) expect(events!.data).not.toContain(p)

    // What the user sees.
    const view = (service: string) =>
      http.get(`/api/instances/${subs[service].id}`, user.token).then((r) => r.body.data)
    expect(await view("wordpress")).toMatchObject({
      status: "RUNNING",
      namespace: ns,
      publicUrl: `https://${name("wordpress")}.apps.minispod.local`,
      adminUrl: `https://${name("wordpress")}.apps.minispod.local/wp-admin`
    })
    expect(await view("ghost")).toMatchObject({ adminUrl: `https://${name("ghost")}.apps.minispod.local/ghost` })
    expect(await view("n8n")).toMatchObject({ adminUrl: null })
    expect(await view("postgresql")).toMatchObject({ publicUrl: null, adminUrl: null })

    // stop / start / restart: app and database scaled together; the restart goes through the pod template.
    const wpId = subs["wordpress"].id
    expect((await http.put(`/api/instances/${wpId}/stop`, {}, user.token)).body.data.status).toBe("STOPPED")
    expect(
      (await items("deployments", ns, `app.kubernetes.io/instance=${name("wordpress")}`)).map((d) => d.spec.replicas)
    ).toEqual([0, 0])
    expect((await http.put(`/api/instances/${wpId}/start`, {}, user.token)).body.data.status).toBe("STARTING")
    expect(await waitFor(status(user.token, wpId), "RUNNING")).toBe("RUNNING")
    expect((await http.put(`/api/instances/${wpId}/restart`, {}, user.token)).body.data.status).toBe("RESTARTING")
    expect(await waitFor(status(user.token, wpId), "RUNNING")).toBe("RUNNING")
    const restarted = await kubectl("get", "deployment", name("wordpress"), "-n", ns)
    expect(restarted.spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]).toBeDefined()
    expect(restarted.status.availableReplicas).toBe(1)

    // Upgrade: resources and volume grown, the quota with them.
    expect(
      (await http.put(`/api/subscriptions/${wpId}/upgrade`, { newPlanId: plans.wordpressPremium }, user.token)).status
    ).toBe(200)
    expect(
      (await kubectl("get", "deployment", name("wordpress"), "-n", ns)).spec.template.spec.containers[0].resources
        .limits
    ).toEqual({ cpu: "2000m", memory: "2048Mi" })
    expect((await kubectl("get", "pvc", `${name("wordpress")}-data`, "-n", ns)).spec.resources.requests.storage).toBe(
      "40Gi"
    )
    expect((await kubectl("get", "resourcequota", "tenant-quota", "-n", ns)).spec.hard["limits.cpu"]).toBe("4250m")

    // MinisPod restarted: the cluster's state (in Postgres) and every RUNNING instance are still there.
    await server.stop()
    server = await startServer(env)
    http = api(server.baseUrl)
    for (const sub of Object.values(subs))
      expect((await http.get(`/api/instances/${sub.id}/status`, user.token)).body.data.status).toBe("RUNNING")
    expect(await items("deployments", ns)).toHaveLength(6)
    expect((await kubectl("get", "deployment", name("n8n"), "-n", ns)).status.availableReplicas).toBe(1)

    // Cancel removes everything; the namespace goes with the last instance.
    for (const service of ["n8n", "ghost", "wordpress"]) {
      expect((await http.delete(`/api/subscriptions/${subs[service].id}`, user.token)).body.data.instanceStatus).toBe(
        "TERMINATED"
      )
      expect(await items("all", ns, `app.kubernetes.io/instance=${name(service)}`)).toEqual([])
      expect(
        await items("secrets,pvc,ingresses,networkpolicies", ns, `app.kubernetes.io/instance=${name(service)}`)
      ).toEqual([])
    }
    expect(await items("deployments", ns)).toHaveLength(1)
    await http.delete(`/api/subscriptions/${subs["postgresql"].id}`, user.token)
    const namespaces = (await kubectl("get", "namespaces")).items.filter((n: any) => n.metadata.name === ns)
    expect(namespaces.every((n: any) => n.metadata.deletionTimestamp !== undefined)).toBe(true)

    const audit = await exec(process.execPath, [compiledScript("audit")], {
      env: { ...process.env, DATABASE_URL: db.url }
    })
    expect(audit.stdout).toMatch(/AUDIT OK/)
  })

  it("faults: API-server 5xx during provisioning are retried, then ERROR with exactly one refund; RBAC 403 is a clear error; the server lives on", async () => {
    const user = await customer(http, admin, "kube-faults", 100_000)
    const inject = (fault: object) =>
      fetch(`${server.baseUrl}/dev/kube/_faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(fault)
      })
    expect(
      (await inject({ kind: "error", status: 503, verb: "patch", resource: "namespaces", count: 100_000 })).ok
    ).toBe(true)
    const failing = (await http.post("/api/subscriptions", { planId: plans.n8n, instanceName: "unlucky" }, user.token))
      .body.data
    expect(await balanceOf(http, user.token)).toBe(50_000)
    expect(await waitFor(status(user.token, failing.id), "ERROR")).toBe("ERROR")
    await fetch(`${server.baseUrl}/dev/kube/_faults`, { method: "DELETE" })
    expect((await http.get(`/api/subscriptions/${failing.id}`, user.token)).body.data.instanceError).toMatch(
      /not ready after 6 s: the cluster kept failing: .*503/
    )
    expect(await balanceOf(http, user.token)).toBe(100_000)
    const [refunds] = await db.sql<
      Array<{ n: number }>
    >`select count(*)::int as n from ledger_entries where user_id = ${user.id} and type = 'REFUND'`
    expect(refunds!.n).toBe(1)

    await inject({ kind: "forbidden", verb: "patch", resource: "namespaces", count: 1 })
    const forbidden = (
      await http.post("/api/subscriptions", { planId: plans.ghost, instanceName: "denied" }, user.token)
    ).body.data
    expect(await waitFor(status(user.token, forbidden.id), "ERROR")).toBe("ERROR")
    expect((await http.get(`/api/subscriptions/${forbidden.id}`, user.token)).body.data.instanceError).toMatch(
      /refused .*\(403\): forbidden by the cluster's RBAC/
    )
    expect(await balanceOf(http, user.token)).toBe(100_000)
    expect((await http.get("/healthz")).status).toBe(200)
  })

  it("CLUSTER_MODE=kubernetes: a second MinisPod drives the first one's cluster through KUBECONFIG, with the configured settings", async () => {
    const other = await createTestDatabase({ migrate: false })
    const second = await startServer({
      DATABASE_URL: other.url,
      JWT_SECRET: "kube-mode-secret-kube-mode-secret-kube",
      PROVISIONING_POLL_MS: "100",
      CLUSTER_MODE: "kubernetes",
      KUBECONFIG: kubeconfig,
      CLUSTER_NAMESPACE_PREFIX: "tenant-",
      CLUSTER_INGRESS_CLASS: "traefik",
      CLUSTER_TLS_ISSUER: "letsencrypt-prod",
      CLUSTER_STORAGE_CLASS: "standard",
      CLUSTER_BASE_DOMAIN: "apps.example.com"
    })
    try {
      expect(second.output()).toMatch(/cluster: Kubernetes \(.*kubeconfig\.yaml\)/)
      const client = api(second.baseUrl)
      const user = await customer(client, await adminToken(client), "kube-mode", 100_000)
      const sub = (await client.post("/api/subscriptions", { planId: plans.n8n, instanceName: "remote" }, user.token))
        .body.data
      const read = async () =>
        (await client.get(`/api/instances/${sub.id}/status`, user.token)).body.data.status as string
      expect(await waitFor(read, "RUNNING")).toBe("RUNNING")
      const ns = `tenant-${user.id}`
      const name = `remote-${sub.id.slice(0, 8)}`
      const ingress = await kubectl("get", "ingress", name, "-n", ns)
      expect(ingress.spec.ingressClassName).toBe("traefik")
      expect(ingress.metadata.annotations["cert-manager.io/cluster-issuer"]).toBe("letsencrypt-prod")
      expect(ingress.spec.rules[0].host).toBe(`${name}.apps.example.com`)
      expect((await kubectl("get", "pvc", `${name}-data`, "-n", ns)).spec.storageClassName).toBe("standard")
    } finally {
      await second.stop()
      await other.drop()
    }
  })
})
