import { PassThrough } from "node:stream"
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  Log,
  Metrics,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type V1Deployment
} from "@kubernetes/client-node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { type RunningKubeSimulator, startKubeSimulator } from "../support/kubeSimulator.ts"

let db: TestDatabase
let sim: RunningKubeSimulator
let core: CoreV1Api
let apps: AppsV1Api

const apply = setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply)
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch)
const strategic = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch)
const jsonPatch = setHeaderOptions("Content-Type", PatchStrategy.JsonPatch)

/** Object mother: a Deployment as the adapter would apply it. */
const deployment = (
  name: string,
  extra: { replicas?: number; image?: string; annotations?: Record<string, string> } = {}
): V1Deployment => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, labels: { "app.kubernetes.io/name": "ghost", "app.kubernetes.io/instance": name } },
  spec: {
    replicas: extra.replicas ?? 1,
    selector: { matchLabels: { "app.kubernetes.io/instance": name } },
    template: {
      metadata: {
        labels: { "app.kubernetes.io/instance": name },
        ...(extra.annotations ? { annotations: extra.annotations } : {})
      },
      spec: {
        containers: [
          {
            name: "app",
            image: extra.image ?? "ghost:5",
            resources: { limits: { cpu: "500m", memory: "512Mi" }, requests: { cpu: "100m", memory: "256Mi" } }
          }
        ]
      }
    }
  }
})

const failure = async (promise: Promise<unknown>) => {
  try {
    await promise
  } catch (error) {
    if (error instanceof ApiException)
      return {
        code: error.code,
        body: (typeof error.body === "string" ? JSON.parse(error.body) : error.body) as {
          reason: string
          message: string
          details?: { causes?: Array<{ field?: string }> }
        }
      }
    throw error
  }
  throw new Error("expected the call to fail")
}

const until = async <A>(read: () => Promise<A>, done: (a: A) => boolean, timeoutMs = 10_000): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > deadline)
      throw new Error(`condition not reached; last value: ${JSON.stringify(value).slice(0, 500)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

let nsCounter = 0
const namespace = async () => {
  const name = `t${++nsCounter}-${Date.now() % 100000}`
  await core.createNamespace({ body: { metadata: { name } } })
  return name
}

beforeAll(async () => {
  db = await createTestDatabase()
  sim = await startKubeSimulator(db.sql)
  core = sim.kubeConfig.makeApiClient(CoreV1Api)
  apps = sim.kubeConfig.makeApiClient(AppsV1Api)
})

afterAll(async () => {
  await sim?.stop()
  await db?.drop()
})

describe("Kubernetes API simulator with @kubernetes/client-node", () => {
  it("creates, reads, replaces, lists and deletes with real API-server answers", async () => {
    const ns = await namespace()
    const created = await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: "env", labels: { tier: "app" } }, stringData: { KEY: "value" } }
    })
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/)
    expect(created.data).toEqual({ KEY: Buffer.from("value").toString("base64") })
    expect(
      (await failure(core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: "env" } } }))).code
    ).toBe(409)

    const read = await core.readNamespacedSecret({ name: "env", namespace: ns })
    const replaced = await core.replaceNamespacedSecret({
      name: "env",
      namespace: ns,
      body: { ...read, data: { KEY: Buffer.from("v2").toString("base64") } }
    })
    expect(Number(replaced.metadata!.resourceVersion)).toBeGreaterThan(Number(read.metadata!.resourceVersion))
    const stale = await failure(core.replaceNamespacedSecret({ name: "env", namespace: ns, body: read }))
    expect(stale.code).toBe(409)
    expect(stale.body.reason).toBe("Conflict")

    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: "db", labels: { tier: "db" } } } })
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: "plain" } } })
    const names = async (labelSelector: string) =>
      (await core.listNamespacedSecret({ namespace: ns, labelSelector })).items.map((s) => s.metadata!.name).sort()
    expect(await names("tier=app")).toEqual(["env"])
    expect(await names("tier!=app")).toEqual(["db", "plain"])
    expect(await names("tier in (app,db)")).toEqual(["db", "env"])
    expect(await names("tier notin (app)")).toEqual(["db", "plain"])
    expect(await names("tier")).toEqual(["db", "env"])
    expect(await names("!tier")).toEqual(["plain"])
    expect(
      (await core.listNamespacedSecret({ namespace: ns, fieldSelector: "metadata.name=db" })).items.map(
        (s) => s.metadata!.name
      )
    ).toEqual(["db"])

    await core.deleteNamespacedSecret({ name: "env", namespace: ns })
    const missing = await failure(core.readNamespacedSecret({ name: "env", namespace: ns }))
    expect(missing.code).toBe(404)
    expect(missing.body.reason).toBe("NotFound")
    expect((await failure(core.deleteNamespacedSecret({ name: "env", namespace: ns }))).code).toBe(404)
    expect(
      (
        await failure(
          core.createNamespacedSecret({ namespace: "no-such-namespace", body: { metadata: { name: "x" } } })
        )
      ).code
    ).toBe(404)
    expect((await fetch(`${sim.baseUrl}/dev/kube/api/v1/namespaces/%E0%A4%A`)).status).toBe(404)
    const badJson = await fetch(`${sim.baseUrl}/dev/kube/api/v1/namespaces/${ns}/configmaps/x`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: "{not json"
    })
    expect(badJson.status).toBe(400)
    expect(((await badJson.json()) as { kind: string }).kind).toBe("Status")
  })

  it("server-side apply creates, converges on a second apply, merges others' fields and drops fields no longer applied", async () => {
    const ns = await namespace()
    const service = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", labels: { a: "b" } },
      spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] }
    }
    const firstService = await core.patchNamespacedService(
      { name: "web", namespace: ns, body: service, fieldManager: "minispod", force: true },
      apply
    )
    const againService = await core.patchNamespacedService(
      { name: "web", namespace: ns, body: service, fieldManager: "minispod", force: true },
      apply
    )
    expect(againService.metadata!.resourceVersion).toBe(firstService.metadata!.resourceVersion)

    await apps.patchNamespacedDeployment(
      {
        name: "web",
        namespace: ns,
        body: deployment("web", { annotations: { a: "1" } }),
        fieldManager: "minispod",
        force: true
      },
      apply
    )
    await until(
      () => apps.readNamespacedDeployment({ name: "web", namespace: ns }),
      (d) => d.status?.availableReplicas === 1
    )
    await sim.simulator.settled()
    const settled = await apps.readNamespacedDeployment({ name: "web", namespace: ns })
    const again = await apps.patchNamespacedDeployment(
      {
        name: "web",
        namespace: ns,
        body: deployment("web", { annotations: { a: "1" } }),
        fieldManager: "minispod",
        force: true
      },
      apply
    )
    expect(again.metadata!.resourceVersion).toBe(settled.metadata!.resourceVersion)
    expect(again.metadata!.generation).toBe(1)

    await apps.patchNamespacedDeployment(
      { name: "web", namespace: ns, body: { metadata: { labels: { extra: "kept" } } }, fieldManager: "someone-else" },
      merge
    )
    const changed = await apps.patchNamespacedDeployment(
      {
        name: "web",
        namespace: ns,
        body: deployment("web", { image: "ghost:6" }),
        fieldManager: "minispod",
        force: true
      },
      apply
    )
    expect(changed.metadata!.labels!["extra"]).toBe("kept")
    expect(changed.spec!.template.metadata!.annotations?.["a"]).toBeUndefined()
    expect(changed.spec!.template.spec!.containers[0]!.image).toBe("ghost:6")
    expect(changed.metadata!.generation).toBe(2)
    expect(changed.metadata!.managedFields?.map((m) => m.manager)).toContain("minispod")

    // The scale subresource owns spec.replicas apart: a re-apply without replicas keeps the scaled count.
    await apps.patchNamespacedDeployment(
      {
        name: "web",
        namespace: ns,
        body: deployment("web", { image: "ghost:6", replicas: 2 }),
        fieldManager: "minispod",
        force: true
      },
      apply
    )
    await apps.patchNamespacedDeploymentScale(
      {
        name: "web",
        namespace: ns,
        body: { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "web" }, spec: { replicas: 0 } },
        fieldManager: "minispod",
        force: true
      },
      apply
    )
    const { replicas: _, ...withoutReplicas } = deployment("web", { image: "ghost:6" }).spec!
    const reapplied = await apps.patchNamespacedDeployment(
      {
        name: "web",
        namespace: ns,
        body: { ...deployment("web"), spec: withoutReplicas },
        fieldManager: "minispod",
        force: true
      },
      apply
    )
    expect(reapplied.spec!.replicas).toBe(0)
    expect(reapplied.metadata!.managedFields?.find((m) => m.subresource === "scale")?.manager).toBe("minispod")

    const conflict = await failure(
      apps.patchNamespacedDeployment(
        { name: "web", namespace: ns, body: deployment("web", { image: "nginx" }), fieldManager: "other" },
        apply
      )
    )
    expect(conflict.code).toBe(409)
    const noManager = await failure(
      apps.patchNamespacedDeployment({ name: "web", namespace: ns, body: deployment("web") } as never, apply)
    )
    expect(noManager.code).toBe(400)
  })

  it("patches with strategic merge (containers and env by name), JSON patch (test op guards) and honours dryRun", async () => {
    const ns = await namespace()
    const base = deployment("patched")
    base.spec!.template.spec!.containers[0]!.env = [
      { name: "A", value: "1" },
      { name: "B", value: "2" }
    ]
    base.spec!.template.spec!.containers.push({ name: "sidecar", image: "busybox:1.36" })
    await apps.createNamespacedDeployment({ namespace: ns, body: base })
    const smp = await apps.patchNamespacedDeployment(
      {
        name: "patched",
        namespace: ns,
        body: {
          spec: {
            template: {
              spec: {
                containers: [
                  {
                    name: "app",
                    env: [
                      { name: "B", value: "two" },
                      { name: "C", value: "3" }
                    ]
                  }
                ]
              }
            }
          }
        }
      },
      strategic
    )
    const containers = smp.spec!.template.spec!.containers
    expect(containers.map((c) => c.name)).toEqual(["app", "sidecar"])
    expect(containers[0]!.env).toEqual([
      { name: "A", value: "1" },
      { name: "B", value: "two" },
      { name: "C", value: "3" }
    ])
    const removed = await apps.patchNamespacedDeployment(
      {
        name: "patched",
        namespace: ns,
        body: { spec: { template: { spec: { containers: [{ name: "sidecar", $patch: "delete" }] } } } }
      },
      strategic
    )
    expect(removed.spec!.template.spec!.containers.map((c) => c.name)).toEqual(["app"])

    const patched = await apps.patchNamespacedDeployment(
      {
        name: "patched",
        namespace: ns,
        body: [
          { op: "test", path: "/spec/replicas", value: 1 },
          { op: "replace", path: "/spec/replicas", value: 3 }
        ]
      },
      jsonPatch
    )
    expect(patched.spec!.replicas).toBe(3)
    expect(
      (
        await failure(
          apps.patchNamespacedDeployment(
            {
              name: "patched",
              namespace: ns,
              body: [
                { op: "test", path: "/spec/replicas", value: 1 },
                { op: "replace", path: "/spec/replicas", value: 5 }
              ]
            },
            jsonPatch
          )
        )
      ).code
    ).toBe(422)

    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "dry" } }, dryRun: "All" })
    expect((await failure(core.readNamespacedConfigMap({ name: "dry", namespace: ns }))).code).toBe(404)
  })

  it("applies arbitrary manifests through KubernetesObjectApi (discovery) and deletes collections by label", async () => {
    const ns = await namespace()
    const objectApi = KubernetesObjectApi.makeApiClient(sim.kubeConfig)
    for (const name of ["a", "b", "c"]) {
      await objectApi.patch(
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name, namespace: ns, labels: { group: name === "c" ? "other" : "mine" } },
          data: { k: name }
        } as never,
        undefined,
        undefined,
        "minispod",
        true,
        PatchStrategy.ServerSideApply
      )
    }
    const read = await objectApi.read({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: ns } })
    expect((read as unknown as { data: Record<string, string> }).data).toEqual({ k: "a" })
    await core.deleteCollectionNamespacedConfigMap({ namespace: ns, labelSelector: "group=mine" })
    expect((await core.listNamespacedConfigMap({ namespace: ns })).items.map((c) => c.metadata!.name)).toEqual(["c"])
  })

  it("enforces a namespace's ResourceQuota and LimitRange on the pods a Deployment creates", async () => {
    const ns = await namespace()
    await core.createNamespacedLimitRange({
      namespace: ns,
      body: {
        metadata: { name: "limits" },
        spec: {
          limits: [
            {
              type: "Container",
              _default: { cpu: "250m", memory: "128Mi" },
              defaultRequest: { cpu: "100m", memory: "64Mi" }
            }
          ]
        }
      }
    })
    await core.createNamespacedResourceQuota({
      namespace: ns,
      body: { metadata: { name: "quota" }, spec: { hard: { pods: "1", "limits.cpu": "1" } } }
    })
    const plain = deployment("plain")
    delete plain.spec!.template.spec!.containers[0]!.resources
    await apps.createNamespacedDeployment({ namespace: ns, body: plain })
    const pod = (
      await until(
        () => core.listNamespacedPod({ namespace: ns }),
        (l) => l.items.length === 1
      )
    ).items[0]!
    expect(pod.spec!.containers[0]!.resources).toEqual({
      limits: { cpu: "250m", memory: "128Mi" },
      requests: { cpu: "100m", memory: "64Mi" }
    })

    await apps.createNamespacedDeployment({ namespace: ns, body: deployment("over") })
    const over = await until(
      () => apps.readNamespacedDeployment({ name: "over", namespace: ns }),
      (d) => d.status?.conditions?.some((c) => c.type === "ReplicaFailure") === true
    )
    expect(over.status!.conditions!.find((c) => c.type === "ReplicaFailure")!.message).toMatch(/exceeded quota: quota/)
    const quota = await until(
      () => core.readNamespacedResourceQuota({ name: "quota", namespace: ns }),
      (q) => q.status?.used?.["pods"] === "1"
    )
    expect(quota.status!.hard).toEqual({ pods: "1", "limits.cpu": "1" })
    const events = await core.listNamespacedEvent({ namespace: ns, fieldSelector: "reason=FailedCreate" })
    expect(events.items.length).toBeGreaterThan(0)
  })

  it("answers 422 with causes for objects the Kubernetes schemas refuse", async () => {
    const ns = await namespace()
    const bad = deployment("bad")
    ;(bad.spec!.template.spec!.containers[0] as unknown as { ports: unknown }).ports = [{ containerPort: "eighty" }]
    const invalid = await failure(apps.createNamespacedDeployment({ namespace: ns, body: bad }))
    expect(invalid.code).toBe(422)
    expect(invalid.body.reason).toBe("Invalid")
    expect(invalid.body.details?.causes?.map((c) => c.field)).toContain(
      "spec.template.spec.containers[0].ports[0].containerPort"
    )

    // Unknown fields (sent raw: client-node's serializer drops them itself): dropped with a warning
    // by default, refused with fieldValidation=Strict (what kubectl sends).
    const post = (name: string, query: string) =>
      fetch(`${sim.baseUrl}/dev/kube/apis/apps/v1/namespaces/${ns}/deployments${query}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...deployment(name), spec: { ...deployment(name).spec!, replica: 3 } })
      })
    const warned = await post("typo", "")
    expect(warned.status).toBe(201)
    expect(warned.headers.get("warning")).toContain('unknown field \\"spec.replica\\"')
    expect(((await warned.json()) as { spec: Record<string, unknown> }).spec["replica"]).toBeUndefined()
    const strict = await post("typo2", "?fieldValidation=Strict")
    expect(strict.status).toBe(400)
    expect(((await strict.json()) as { message: string }).message).toContain('unknown field "spec.replica"')

    const mismatch = deployment("mismatch")
    mismatch.spec!.template.metadata!.labels = { other: "x" }
    expect(
      (await failure(apps.createNamespacedDeployment({ namespace: ns, body: mismatch }))).body.details?.causes?.map(
        (c) => c.field
      )
    ).toEqual(["spec.template.metadata.labels"])
    expect(
      (
        await failure(
          core.createNamespacedService({
            namespace: ns,
            body: { metadata: { name: "Not_A_Name" }, spec: { ports: [{ port: 80 }] } }
          })
        )
      ).code
    ).toBe(422)

    await core.createNamespacedPersistentVolumeClaim({
      namespace: ns,
      body: {
        metadata: { name: "data" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } }
      }
    })
    const shrink = await failure(
      core.patchNamespacedPersistentVolumeClaim(
        { name: "data", namespace: ns, body: { spec: { resources: { requests: { storage: "1Gi" } } } } },
        merge
      )
    )
    expect(shrink.code).toBe(422)
    const grown = await core.patchNamespacedPersistentVolumeClaim(
      { name: "data", namespace: ns, body: { spec: { resources: { requests: { storage: "5Gi" } } } } },
      merge
    )
    expect(grown.spec!.resources!.requests!["storage"]).toBe("5Gi")
    const bound = await until(
      () => core.readNamespacedPersistentVolumeClaim({ name: "data", namespace: ns }),
      (c) => c.status?.capacity?.["storage"] === "5Gi"
    )
    expect(bound.status!.phase).toBe("Bound")
  })

  it("streams watch events after a resourceVersion and answers 410 for a compacted one", async () => {
    const ns = await namespace()
    const list = await core.listNamespacedConfigMap({ namespace: ns })
    const events: Array<string> = []
    const watch = await new Watch(sim.kubeConfig).watch(
      `/api/v1/namespaces/${ns}/configmaps`,
      { resourceVersion: list.metadata!.resourceVersion, labelSelector: "watched=yes" },
      (type, object) => events.push(`${type} ${object.metadata.name}`),
      () => {}
    )
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "a", labels: { watched: "yes" } }, data: { k: "1" } }
    })
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "ignored" } } })
    await core.patchNamespacedConfigMap({ name: "a", namespace: ns, body: { data: { k: "2" } } }, merge)
    await core.patchNamespacedConfigMap(
      { name: "ignored", namespace: ns, body: { metadata: { labels: { watched: "yes" } } } },
      merge
    )
    await core.patchNamespacedConfigMap(
      { name: "ignored", namespace: ns, body: { metadata: { labels: { watched: "no" } } } },
      merge
    )
    await core.deleteNamespacedConfigMap({ name: "a", namespace: ns })
    await until(
      async () => events,
      (e) => e.length >= 5
    )
    watch.abort()
    expect(events).toEqual(["ADDED a", "MODIFIED a", "ADDED ignored", "DELETED ignored", "DELETED a"])

    await db.sql`update kubesim_compaction set compacted_rv = ${Number(list.metadata!.resourceVersion) + 1}`
    const expired = await new Promise<unknown>((resolve) => {
      void new Watch(sim.kubeConfig).watch(
        `/api/v1/namespaces/${ns}/configmaps`,
        { resourceVersion: list.metadata!.resourceVersion },
        (type, object) => type === "ERROR" && resolve(object),
        (err) => resolve(err)
      )
    })
    expect((expired as { code?: number }).code).toBe(410)
    await db.sql`update kubesim_compaction set compacted_rv = 0`
  })

  it("runs a Deployment: pods from the template become ready, scale to 0 removes them, a template change rolls them", async () => {
    const ns = await namespace()
    await apps.patchNamespacedDeployment(
      { name: "blog", namespace: ns, body: deployment("blog", { replicas: 2 }), fieldManager: "minispod", force: true },
      apply
    )
    const available = await until(
      () => apps.readNamespacedDeployment({ name: "blog", namespace: ns }),
      (d) => d.status?.availableReplicas === 2
    )
    expect(available.status!.conditions?.find((c) => c.type === "Available")?.status).toBe("True")
    expect(available.status!.observedGeneration).toBe(available.metadata!.generation)
    const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: "app.kubernetes.io/instance=blog" })
    expect(pods.items).toHaveLength(2)
    expect(
      pods.items.every(
        (p) =>
          p.status?.phase === "Running" &&
          p.spec?.nodeName !== undefined &&
          p.metadata?.ownerReferences?.[0]?.kind === "ReplicaSet"
      )
    ).toBe(true)

    await apps.patchNamespacedDeploymentScale({ name: "blog", namespace: ns, body: { spec: { replicas: 0 } } }, merge)
    await until(
      () => core.listNamespacedPod({ namespace: ns }),
      (l) => l.items.length === 0
    )

    await apps.patchNamespacedDeploymentScale({ name: "blog", namespace: ns, body: { spec: { replicas: 1 } } }, merge)
    const before = await until(
      () => core.listNamespacedPod({ namespace: ns }),
      (l) => l.items.length === 1
    )
    await apps.patchNamespacedDeployment(
      {
        name: "blog",
        namespace: ns,
        body: {
          spec: {
            template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": new Date().toISOString() } } }
          }
        }
      },
      merge
    )
    const after = await until(
      () => core.listNamespacedPod({ namespace: ns }),
      (l) =>
        l.items.length === 1 &&
        l.items[0]!.metadata!.name !== before.items[0]!.metadata!.name &&
        l.items[0]!.status?.phase === "Running"
    )
    expect(after.items[0]!.metadata!.annotations?.["kubectl.kubernetes.io/restartedAt"]).toBeDefined()
  })

  it("fails, crashes and hangs deployments by name, and refuses template changes to nopatch- deployments", async () => {
    const ns = await namespace()
    for (const name of ["fail-app", "crash-app", "hang-app", "nopatch-app"])
      await apps.createNamespacedDeployment({ namespace: ns, body: deployment(name) })
    const failed = await until(
      () => apps.readNamespacedDeployment({ name: "fail-app", namespace: ns }),
      (d) => d.status?.conditions?.some((c) => c.type === "Progressing" && c.status === "False") === true
    )
    expect(failed.status!.conditions!.find((c) => c.type === "Progressing")!.reason).toBe("ProgressDeadlineExceeded")
    const failedPod = (
      await core.listNamespacedPod({ namespace: ns, labelSelector: "app.kubernetes.io/instance=fail-app" })
    ).items[0]!
    expect(failedPod.status!.containerStatuses![0]!.state!.waiting!.reason).toBe("ImagePullBackOff")
    const crashed = await until(
      () => core.listNamespacedPod({ namespace: ns, labelSelector: "app.kubernetes.io/instance=crash-app" }),
      (l) => l.items[0]?.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CrashLoopBackOff"
    )
    expect(crashed.items[0]!.status!.containerStatuses![0]!.restartCount).toBeGreaterThan(0)
    await until(
      () => core.listNamespacedPod({ namespace: ns, labelSelector: "app.kubernetes.io/instance=crash-app" }),
      (l) => (l.items[0]?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2
    )
    await until(
      () => apps.readNamespacedDeployment({ name: "nopatch-app", namespace: ns }),
      (d) => d.status?.availableReplicas === 1
    )
    expect(
      (await apps.readNamespacedDeployment({ name: "hang-app", namespace: ns })).status?.availableReplicas
    ).toBeUndefined()

    const refused = await failure(
      apps.patchNamespacedDeployment(
        {
          name: "nopatch-app",
          namespace: ns,
          body: deployment("nopatch-app", { image: "ghost:6" }),
          fieldManager: "minispod",
          force: true
        },
        apply
      )
    )
    expect(refused.code).toBe(422)
    await apps.patchNamespacedDeploymentScale(
      { name: "nopatch-app", namespace: ns, body: { spec: { replicas: 0 } } },
      merge
    )
  })

  it("serves pod logs (tail, timestamps, follow) and plausible metrics within limits", async () => {
    const ns = await namespace()
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment("logs") })
    const pod = (
      await until(
        () => core.listNamespacedPod({ namespace: ns }),
        (l) => l.items[0]?.status?.phase === "Running"
      )
    ).items[0]!
    const tail = await core.readNamespacedPodLog({
      name: pod.metadata!.name!,
      namespace: ns,
      tailLines: 2,
      timestamps: true
    })
    expect(tail.trim().split("\n")).toHaveLength(2)
    expect(tail).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /)
    expect(tail).toContain("\u001b[")

    const out = new PassThrough()
    let followed = ""
    out.on("data", (chunk: Buffer) => (followed += chunk.toString()))
    const stream = await new Log(sim.kubeConfig).log(ns, pod.metadata!.name!, "app", out, {
      follow: true,
      tailLines: 1
    })
    await until(
      async () => followed.split("\n").filter((l) => l.length > 0).length,
      (n) => n >= 4
    )
    stream.abort()

    const metrics = await new Metrics(sim.kubeConfig).getPodMetrics(ns)
    expect(metrics.items).toHaveLength(1)
    const usage = metrics.items[0]!.containers[0]!.usage
    const cpuCores = Number(usage.cpu.replace(/n$/, "")) / 1e9
    const memoryBytes = Number(usage.memory.replace(/Ki$/, "")) * 1024
    expect(cpuCores).toBeGreaterThan(0)
    expect(cpuCores).toBeLessThanOrEqual(0.5)
    expect(memoryBytes).toBeGreaterThan(0)
    expect(memoryBytes).toBeLessThanOrEqual(512 * 2 ** 20)
    const nodes = await new Metrics(sim.kubeConfig).getNodeMetrics()
    expect(nodes.items.length).toBeGreaterThan(0)
  })

  it("deleting a namespace deletes everything in it; deleting a Deployment deletes its pods", async () => {
    const ns = await namespace()
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment("gone") })
    await until(
      () => core.listNamespacedPod({ namespace: ns }),
      (l) => l.items.length === 1
    )
    await apps.deleteNamespacedDeployment({ name: "gone", namespace: ns, propagationPolicy: "Foreground" })
    expect((await core.listNamespacedPod({ namespace: ns })).items).toHaveLength(0)
    expect((await apps.listNamespacedReplicaSet({ namespace: ns })).items).toHaveLength(0)

    await apps.createNamespacedDeployment({ namespace: ns, body: deployment("kept") })
    await sim.kubeConfig.makeApiClient(NetworkingV1Api).createNamespacedNetworkPolicy({
      namespace: ns,
      body: { metadata: { name: "deny" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } }
    })
    await until(
      () => core.listNamespacedPod({ namespace: ns }),
      (l) => l.items.length === 1
    )
    await core.deleteNamespace({ name: ns })
    expect((await failure(core.readNamespace({ name: ns }))).code).toBe(404)
    expect((await db.sql`select count(*)::int as n from kubesim_objects where namespace = ${ns}`)[0]!["n"]).toBe(0)
  })

  it("injects faults: 5xx, slow answers, 409 on the next write, dropped watches, 403; and records every request", async () => {
    const ns = await namespace()
    sim.simulator.clearRequests()
    sim.simulator.faults.inject({ kind: "error", status: 503, verb: "get", resource: "secrets", count: 2 })
    expect((await failure(core.readNamespacedSecret({ name: "x", namespace: ns }))).code).toBe(503)
    expect((await failure(core.readNamespacedSecret({ name: "x", namespace: ns }))).code).toBe(503)
    expect((await failure(core.readNamespacedSecret({ name: "x", namespace: ns }))).code).toBe(404)

    sim.simulator.faults.inject({ kind: "conflict", verb: "create" })
    expect(
      (await failure(core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "c" } } }))).code
    ).toBe(409)
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "c" } } })

    sim.simulator.faults.inject({ kind: "forbidden", verb: "delete", resource: "configmaps" })
    const forbidden = await failure(core.deleteNamespacedConfigMap({ name: "c", namespace: ns }))
    expect(forbidden.code).toBe(403)
    expect(forbidden.body.message).toContain('cannot delete resource "configmaps"')

    const viaEndpoint = await fetch(`${sim.baseUrl}/dev/kube/_faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "error", status: 500, verb: "create", resource: "secrets" })
    })
    expect(viaEndpoint.status).toBe(201)
    expect(
      (await failure(core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: "s" } } }))).code
    ).toBe(500)

    sim.simulator.faults.inject({ kind: "delay", ms: 300, verb: "list", resource: "configmaps" })
    const started = performance.now()
    await core.listNamespacedConfigMap({ namespace: ns })
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)

    let ended: unknown = "open"
    await new Watch(sim.kubeConfig).watch(
      `/api/v1/namespaces/${ns}/configmaps`,
      {},
      () => {},
      (err) => (ended = err ?? null)
    )
    await until(
      async () => sim.simulator.faults.dropWatches(),
      (n) => n === 1
    )
    await until(
      async () => ended,
      (e) => e !== "open"
    )

    const seen = sim.simulator
      .requests()
      .map((r) => `${r.verb} ${r.apiGroup}/${r.resource}${r.subresource ? `/${r.subresource}` : ""}`)
    expect(seen).toEqual(
      expect.arrayContaining([
        "get /secrets",
        "create /configmaps",
        "delete /configmaps",
        "list /configmaps",
        "watch /configmaps"
      ])
    )
    const viaHttp = (await (await fetch(`${sim.baseUrl}/dev/kube/_requests`)).json()) as { items: Array<unknown> }
    expect(viaHttp.items.length).toBe(sim.simulator.requests().length)
    const rules = (await (await fetch(`${sim.baseUrl}/dev/kube/_requests?summary=true`)).json()) as {
      rules: Array<{ apiGroup: string; resource: string; verb: string }>
    }
    expect(rules.rules).toEqual(sim.simulator.requestRules())
    expect(rules.rules).toContainEqual({ apiGroup: "", resource: "configmaps", verb: "watch" })
    expect(new Set(rules.rules.map((r) => JSON.stringify(r))).size).toBe(rules.rules.length)
  })

  it("keeps everything across a restart: a new simulator over the same database sees the same objects and ready pods", async () => {
    const ns = await namespace()
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment("durable", { replicas: 2 }) })
    await until(
      () => apps.readNamespacedDeployment({ name: "durable", namespace: ns }),
      (d) => d.status?.availableReplicas === 2
    )
    const pods = (await core.listNamespacedPod({ namespace: ns })).items.map((p) => p.metadata!.uid).sort()
    await sim.stop()
    sim = await startKubeSimulator(db.sql)
    core = sim.kubeConfig.makeApiClient(CoreV1Api)
    apps = sim.kubeConfig.makeApiClient(AppsV1Api)
    expect((await apps.readNamespacedDeployment({ name: "durable", namespace: ns })).status?.availableReplicas).toBe(2)
    expect((await core.listNamespacedPod({ namespace: ns })).items.map((p) => p.metadata!.uid).sort()).toEqual(pods)
    const next = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "after-restart" } } })
    expect(Number(next.metadata!.resourceVersion)).toBeGreaterThan(0)
  })
})
