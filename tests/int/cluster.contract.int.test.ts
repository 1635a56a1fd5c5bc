import { Effect, Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeKubeClient } from "../../adapters/kubernetes/client.ts"
import { makeKubernetesCluster } from "../../adapters/kubernetes/cluster.ts"
import type { ClusterService, InstanceSpec } from "../../application/ports/cluster.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { instanceSpec } from "../support/instanceMother.ts"
import { adapterOptions } from "../support/clusterOnSimulator.ts"
import { type RunningKubeSimulator, startKubeSimulator } from "../support/kubeSimulator.ts"

/**
 * The Cluster port's contract, run against the real adapter (@kubernetes/client-node) talking
 * HTTP to the Kubernetes API simulator.
 */
let db: TestDatabase
let sim: RunningKubeSimulator
let cluster: ClusterService
let kube: ReturnType<typeof makeKubeClient>

beforeAll(async () => {
  db = await createTestDatabase()
  sim = await startKubeSimulator(db.sql, { readyDelayMs: 100 })
  const options = adapterOptions(sim)
  kube = makeKubeClient(options)
  cluster = makeKubernetesCluster(options, kube).service
})
afterAll(async () => {
  await sim?.stop()
  await db?.drop()
})

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
const get = (apiVersion: string, kind: string, namespace: string | undefined, name: string) =>
  run(kube.read(apiVersion, kind, namespace, name)) as Promise<any>
const names = async (apiVersion: string, kind: string, namespace: string) =>
  ((await run(kube.list(apiVersion, kind, namespace))).items.map((o: any) => o.metadata.name) as Array<string>).sort()
const provision = async (spec: InstanceSpec) => {
  await run(cluster.apply(spec))
  return run(cluster.awaitReadiness(spec.namespace, spec.name, 10_000))
}

describe("Cluster port on the Kubernetes adapter", () => {
  it("applies a tenant namespace and an instance with the specs asked for, labelled, and it becomes ready", async () => {
    const spec = instanceSpec()
    sim.simulator.clearRequests()
    const before = kube.calls()
    expect(await provision(spec)).toEqual({ _tag: "Ready" })
    console.log(`API calls for one provisioning (apply + watched readiness): ${kube.calls() - before}`)
    const ns = spec.namespace
    expect((await get("v1", "Namespace", undefined, ns)).metadata.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "minispod",
      "minispod.io/user-id": spec.tenant.userId
    })
    expect(await names("networking.k8s.io/v1", "NetworkPolicy", ns)).toEqual(
      ["allow-from-ingress-controller", `${spec.name}-db`, "default-deny-ingress"].sort()
    )
    expect((await get("v1", "ResourceQuota", ns, "tenant-quota")).spec.hard).toMatchObject({
      "limits.cpu": "4000m",
      "limits.memory": "4096Mi",
      "requests.storage": "100Gi"
    })
    expect(await names("v1", "LimitRange", ns)).toEqual(["tenant-limits"])
    expect(await names("apps/v1", "Deployment", ns)).toEqual([spec.name, `${spec.name}-db`])
    expect(await names("v1", "PersistentVolumeClaim", ns)).toEqual([`${spec.name}-data`, `${spec.name}-db-data`])
    expect(await names("v1", "Service", ns)).toEqual([spec.name, `${spec.name}-db`])

    const deployment = await get("apps/v1", "Deployment", ns, spec.name)
    expect(deployment.metadata.labels).toEqual({
      "app.kubernetes.io/name": "ghost",
      "app.kubernetes.io/instance": spec.name,
      "app.kubernetes.io/managed-by": "minispod",
      "app.kubernetes.io/component": "app",
      "minispod.io/user-id": spec.tenant.userId,
      "minispod.io/instance-id": spec.instanceId,
      "minispod.io/subscription-id": spec.subscriptionId
    })
    expect(deployment.metadata.managedFields.map((f: any) => `${f.manager}/${f.operation}`)).toContain("minispod/Apply")
    expect(deployment.spec.strategy.type).toBe("Recreate")
    const pod = deployment.spec.template.spec
    expect(pod.automountServiceAccountToken).toBe(false)
    const container = pod.containers[0]
    expect(container).toMatchObject({
      image: "ghost:5-alpine",
      resources: { limits: { cpu: "500m", memory: "512Mi" } },
      readinessProbe: { httpGet: { path: "/", port: 2368 } },
      livenessProbe: { httpGet: { path: "/", port: 2368 } },
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } }
    })
    // Env comes from the instance's Secret only; the Deployment holds no value.
    expect(container.env.every((e: any) => e.value === undefined && e.valueFrom.secretKeyRef.name === spec.name)).toBe(
      true
    )
    const ingress = await get("networking.k8s.io/v1", "Ingress", ns, spec.name)
    expect(ingress.metadata.annotations["cert-manager.io/cluster-issuer"]).toBe("letsencrypt")
    expect(ingress.spec).toMatchObject({
      ingressClassName: "nginx",
      tls: [{ hosts: [spec.host], secretName: `${spec.name}-tls` }]
    })
    expect((await get("v1", "PersistentVolumeClaim", ns, `${spec.name}-data`)).spec).toMatchObject({
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "5Gi" } }
    })

    const secret = await get("v1", "Secret", ns, spec.name)
    const data = Object.fromEntries(
      Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, "base64").toString()])
    )
    expect(Object.values(data).join("\n")).not.toMatch(/\{\{/) // every placeholder rendered
    expect(data["app.database__connection__password"]).toBe(data["db.MYSQL_PASSWORD"])
    expect(data["credential.db_password"]).toHaveLength(32)
    expect(await run(cluster.credentials(ns, spec.name))).toEqual({
      secret: data["credential.secret"],
      db_password: data["credential.db_password"],
      db_root_password: data["credential.db_root_password"]
    })
    expect(await run(cluster.awaitReadiness(ns, spec.name, 1_000))).toEqual({ _tag: "Ready" }) // at once when already ready
    expect((await run(cluster.listManaged)).find((m) => m.instanceId === spec.instanceId)).toEqual({
      namespace: ns,
      name: spec.name,
      instanceId: spec.instanceId
    })
  })

  it("converges when applied again: same objects, secrets kept; another instance gets its own secrets", async () => {
    const spec = instanceSpec()
    await provision(spec)
    const first = await run(cluster.credentials(spec.namespace, spec.name))
    const uid = (await get("apps/v1", "Deployment", spec.namespace, spec.name)).metadata.uid
    await run(cluster.apply(spec))
    expect(await run(cluster.credentials(spec.namespace, spec.name))).toEqual(first)
    expect((await get("apps/v1", "Deployment", spec.namespace, spec.name)).metadata.uid).toBe(uid)
    expect(await names("apps/v1", "Deployment", spec.namespace)).toHaveLength(2)
    const other = instanceSpec({ userId: spec.tenant.userId, name: "shop" })
    await run(cluster.apply(other))
    const theirs = await run(cluster.credentials(other.namespace, other.name))
    expect(theirs!["db_password"]).not.toBe(first!["db_password"])
    expect(await run(cluster.credentials(spec.namespace, "missing"))).toBeUndefined()
  })

  it("stops and starts by scaling every Deployment (a re-apply keeps it stopped), restarts through the pod template", async () => {
    const spec = instanceSpec()
    await provision(spec)
    await run(cluster.scale(spec.namespace, spec.name, 0))
    expect((await get("apps/v1", "Deployment", spec.namespace, spec.name)).spec.replicas).toBe(0)
    expect((await get("apps/v1", "Deployment", spec.namespace, `${spec.name}-db`)).spec.replicas).toBe(0)
    await run(cluster.apply(spec))
    expect((await get("apps/v1", "Deployment", spec.namespace, spec.name)).spec.replicas).toBe(0)
    await run(cluster.scale(spec.namespace, spec.name, 1))
    expect(await run(cluster.awaitReadiness(spec.namespace, spec.name, 10_000))).toEqual({ _tag: "Ready" })
    await run(cluster.restart(spec.namespace, spec.name, "2026-11-22T03:00:00.000Z"))
    const restarted = await get("apps/v1", "Deployment", spec.namespace, spec.name)
    expect(restarted.spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]).toBe(
      "2026-11-22T03:00:00.000Z"
    )
    expect(restarted.spec.template.spec.containers[0].image).toBe("ghost:5-alpine") // the partial apply kept the rest
    expect(await run(cluster.awaitReadiness(spec.namespace, spec.name, 10_000))).toEqual({ _tag: "Ready" })
    await run(cluster.apply(spec)) // the main apply leaves the restart annotation alone
    expect(
      (await get("apps/v1", "Deployment", spec.namespace, spec.name)).spec.template.metadata.annotations[
        "kubectl.kubernetes.io/restartedAt"
      ]
    ).toBe("2026-11-22T03:00:00.000Z")
  })

  it("upgrades: new resources applied, the volume grows and never shrinks", async () => {
    const spec = instanceSpec()
    await provision(spec)
    await run(cluster.apply({ ...spec, app: { ...spec.app, cpuMilli: 1000, memoryMb: 1024, storageGb: 20 } }))
    const container = (await get("apps/v1", "Deployment", spec.namespace, spec.name)).spec.template.spec.containers[0]
    expect(container.resources.limits).toEqual({ cpu: "1000m", memory: "1024Mi" })
    expect(
      (await get("v1", "PersistentVolumeClaim", spec.namespace, `${spec.name}-data`)).spec.resources.requests.storage
    ).toBe("20Gi")
    await run(cluster.apply(spec)) // back to the smaller plan: resources follow, storage stays
    expect(
      (await get("v1", "PersistentVolumeClaim", spec.namespace, `${spec.name}-data`)).spec.resources.requests.storage
    ).toBe("20Gi")
    expect(await run(cluster.awaitReadiness(spec.namespace, spec.name, 10_000))).toEqual({ _tag: "Ready" })
  })

  it("removes an instance's objects; the namespace goes with the tenant's last instance", async () => {
    const spec = instanceSpec()
    const sibling = instanceSpec({ userId: spec.tenant.userId, name: "notes", withDatabase: false })
    await provision(spec)
    await provision(sibling)
    await run(cluster.remove(spec.namespace, spec.name))
    expect(await names("apps/v1", "Deployment", spec.namespace)).toEqual([sibling.name])
    expect(await names("v1", "PersistentVolumeClaim", spec.namespace)).toEqual([`${sibling.name}-data`])
    expect(await names("v1", "Secret", spec.namespace)).toEqual([sibling.name])
    expect(await get("v1", "Namespace", undefined, spec.namespace)).toBeDefined()
    await run(cluster.remove(spec.namespace, sibling.name))
    const ns = await get("v1", "Namespace", undefined, spec.namespace)
    expect(ns === undefined || ns.metadata.deletionTimestamp !== undefined).toBe(true)
    await run(cluster.remove(spec.namespace, sibling.name)) // removing again is fine
  })

  it("reports Kubernetes' reasons in plain words", async () => {
    const pull = instanceSpec({ name: "fail-site" })
    expect(await provision(pull)).toMatchObject({
      _tag: "Failed",
      reason: expect.stringContaining("could not be pulled (ImagePullBackOff)")
    })
    const crash = instanceSpec({ name: "crash-site" })
    expect(await provision(crash)).toMatchObject({
      _tag: "Failed",
      reason: expect.stringContaining("keeps crashing (CrashLoopBackOff")
    })
    const squeezed = instanceSpec({ name: "squeezed" })
    const tight = { ...squeezed, tenant: { ...squeezed.tenant, cpuMilli: 600 } } // the app fits, its database does not
    expect(await provision(tight)).toMatchObject({
      _tag: "Failed",
      reason: expect.stringContaining("resource quota is exceeded")
    })
    const hang = instanceSpec({ name: "hang-site" })
    await run(cluster.apply(hang))
    expect((await run(cluster.awaitReadiness(hang.namespace, hang.name, 500)))._tag).toBe("Pending")
  })

  it("shows metrics and nodes", async () => {
    const spec = instanceSpec({ withDatabase: false })
    await provision(spec)
    const metrics = await run(cluster.metrics(spec.namespace, spec.name))
    expect(metrics).toMatchObject({ phase: "Running", cpu: { limitMilli: 500 }, memory: { limitMb: 512 } })
    expect(await run(cluster.metrics(spec.namespace, "missing"))).toBeUndefined()
    const nodes = await run(cluster.nodes)
    expect(nodes.length).toBeGreaterThan(0)
    expect(nodes.every((n) => n.ready && n.cpuMilli.capacity > 0)).toBe(true)
  })

  describe("faults", () => {
    it("retries API-server 5xx and timeouts, then gives up with ClusterUnavailable; never crashes", async () => {
      const spec = instanceSpec()
      sim.simulator.faults.inject({ kind: "error", status: 503, verb: "patch", resource: "deployments", count: 2 })
      sim.simulator.faults.inject({ kind: "delay", ms: 3_000, verb: "patch", resource: "services", count: 1 })
      expect(await provision(spec)).toEqual({ _tag: "Ready" })
      sim.simulator.faults.inject({ kind: "error", status: 500, verb: "patch", resource: "deployments", count: 50 })
      const failed = await run(Effect.either(cluster.apply(spec)))
      sim.simulator.faults.clear()
      expect(Either.isLeft(failed) && failed.left).toMatchObject({
        _tag: "ClusterUnavailable",
        reason: expect.stringContaining("500")
      })
    })

    it("refuses for good on RBAC 403 and on invalid objects (no retry)", async () => {
      const spec = instanceSpec()
      sim.simulator.faults.inject({ kind: "forbidden", verb: "patch", resource: "namespaces", count: 1 })
      const before = kube.calls()
      const forbidden = await run(Effect.either(cluster.apply(spec)))
      expect(Either.isLeft(forbidden) && forbidden.left).toMatchObject({
        _tag: "ClusterRejected",
        status: 403,
        reason: expect.stringContaining("RBAC")
      })
      expect(kube.calls() - before).toBe(1)
      const invalid = await run(Effect.either(cluster.apply({ ...spec, name: "Not_A_DNS_Name" })))
      expect(Either.isLeft(invalid) && invalid.left).toMatchObject({ _tag: "ClusterRejected", status: 422 })
    })

    it("re-establishes a watch dropped mid-rollout", async () => {
      const spec = instanceSpec({ withDatabase: false })
      // Watching before anything exists: readiness can only be seen through watches opened after the drop.
      const waiting = run(cluster.awaitReadiness(spec.namespace, spec.name, 15_000))
      let dropped = 0
      while (dropped === 0) {
        await new Promise((r) => setTimeout(r, 10))
        dropped = sim.simulator.faults.dropWatches()
      }
      sim.simulator.clearRequests()
      await run(cluster.apply(spec))
      expect(await waiting).toEqual({ _tag: "Ready" })
      const watches = sim.simulator
        .requests()
        .filter((r: { verb: string; namespace: string }) => r.verb === "watch" && r.namespace === spec.namespace)
      expect(watches.length).toBeGreaterThan(0)
    })
  })
})
