import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseAllDocuments } from "yaml"
import { makeKubeClient } from "../../adapters/kubernetes/client.ts"
import { makeKubernetesCluster } from "../../adapters/kubernetes/cluster.ts"
import { LogStreamKubernetes } from "../../adapters/kubernetes/logs.ts"
import type { RecordedRequest } from "../../adapters/kubesim/simulator.ts"
import type { ClusterService } from "../../application/ports/cluster.ts"
import { LogStream } from "../../application/ports/logStream.ts"
import { adapterOptions } from "../support/clusterOnSimulator.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { instanceSpec } from "../support/instanceMother.ts"
import { type RunningKubeSimulator, startKubeSimulator } from "../support/kubeSimulator.ts"

/**
 * The ClusterRole in infra/kubernetes grants exactly what the Cluster adapter uses: every
 * operation of the adapter is driven against the Kubernetes API simulator, each request the
 * simulator records becomes the (API group, resource[/subresource], verb) Kubernetes' RBAC
 * authorizes, and the role must cover each of them and grant nothing else.
 */
let db: TestDatabase
let sim: RunningKubeSimulator
const patchContentTypes: Array<string> = []

beforeAll(async () => {
  db = await createTestDatabase()
  sim = await startKubeSimulator(db.sql, { readyDelayMs: 100, logIntervalMs: 50 }, (request) => {
    if (request.method === "PATCH") patchContentTypes.push(String(request.headers["content-type"]))
  })
})
afterAll(async () => {
  await sim?.stop()
  await db?.drop()
})

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

type Permission = `${string} ${string} ${string}` // "group resource verb"

/**
 * What RBAC checks for one request. A server-side apply (every PATCH the adapter sends, checked
 * below) of an object that does not exist yet creates it, and Kubernetes authorizes that as
 * `create` as well as `patch`; a subresource (deployments/scale) is never created that way.
 */
const permissionsOf = (r: RecordedRequest): Array<Permission> => {
  const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource
  // Nodes are only patched once read (cordon): an existing object's apply is authorized as patch alone.
  const verbs = r.verb === "patch" && !r.subresource && r.resource !== "nodes" ? ["patch", "create"] : [r.verb]
  return verbs.map((verb): Permission => `${r.apiGroup} ${resource} ${verb}`)
}

const clusterRole = () => {
  const documents = parseAllDocuments(
    readFileSync(resolve(import.meta.dirname, "../../infra/kubernetes/rbac.yaml"), "utf8")
  ).map((d) => d.toJS())
  const roles = documents.filter((d) => d.kind === "ClusterRole")
  expect(roles).toHaveLength(1)
  return roles[0] as {
    rules: Array<{
      apiGroups: Array<string>
      resources: Array<string>
      verbs: Array<string>
      resourceNames?: unknown
      nonResourceURLs?: unknown
    }>
  }
}

describe("the ClusterRole of infra/kubernetes against the Cluster adapter's requests", () => {
  it("covers every request of every adapter operation, and grants nothing the adapter does not use", async () => {
    const options = adapterOptions(sim)
    const kube = makeKubeClient(options)
    const adapter = makeKubernetesCluster(options, kube).service
    const driven = new Set<string>()
    const cluster = new Proxy(adapter, {
      get: (target, key) => {
        driven.add(String(key))
        return target[key as keyof ClusterService]
      }
    })
    const logs = await run(Effect.provide(LogStream, LogStreamKubernetes(kube)))
    sim.simulator.clearRequests()

    // Two instances of one tenant, so removing the second also removes the tenant's namespace.
    const blog = instanceSpec()
    const other = instanceSpec({ name: "notes", userId: blog.tenant.userId, withDatabase: false })
    const ns = blog.namespace
    await run(cluster.apply(blog))
    await run(cluster.apply(other))
    expect(await run(cluster.awaitReadiness(ns, blog.name, 20_000))).toEqual({ _tag: "Ready" })
    expect(Object.keys((await run(cluster.credentials(ns, blog.name)))!)).toEqual(
      expect.arrayContaining(["secret", "db_password"])
    )
    expect((await run(cluster.metrics(ns, blog.name)))?.phase).toBe("Running")
    expect((await run(cluster.listManaged)).map((m) => m.name)).toEqual(expect.arrayContaining([blog.name, other.name]))
    expect((await run(cluster.nodes)).length).toBeGreaterThan(0)
    expect((await run(cluster.observe)).map((o) => o.name)).toEqual(expect.arrayContaining([blog.name, other.name]))
    expect(await run(cluster.metricsUnavailable)).toBeUndefined() // the simulator serves metrics.k8s.io
    let follow: { stop: () => void } | undefined
    await new Promise<void>((done) => {
      void run(logs.follow(ns, blog.name, { tailLines: 5, container: "app" }, () => done())).then((f) => (follow = f))
    })
    follow?.stop()
    const node = (await run(cluster.metrics(ns, blog.name)))?.node // a node with a pod to evict
    expect(await run(cluster.cordon(node!, true))).toBe(true)
    expect((await run(cluster.drain(node!))).length).toBeGreaterThan(0)
    expect(await run(cluster.cordon(node!, false))).toBe(true)
    await run(cluster.scale(ns, blog.name, 0))
    await run(cluster.scale(ns, blog.name, 1))
    await run(cluster.restart(ns, blog.name, new Date().toISOString()))
    await run(cluster.apply({ ...blog, app: { ...blog.app, storageGb: blog.app.storageGb + 5 } })) // an upgrade grows the volume
    await run(cluster.remove(ns, blog.name))
    await run(cluster.remove(ns, other.name))
    const requests = sim.simulator.requests()

    // Every operation of the port was driven (a new operation fails this until it is added above).
    expect([...driven].sort()).toEqual(Object.keys(adapter).sort())
    // Every PATCH is a server-side apply (what permissionsOf assumes).
    expect(patchContentTypes.length).toBeGreaterThan(0)
    for (const type of patchContentTypes) expect(type).toMatch(/^application\/apply-patch\+yaml/)
    // client-node's discovery GETs (/api, /apis/<group>/<version>) are non-resource requests every
    // authenticated account may make (the built-in system:discovery role): not this role's business.
    const resourceRequests = requests.filter((r) => r.resource !== "")
    for (const r of requests.filter((q) => q.resource === ""))
      expect(`${r.method} ${r.path}`).toMatch(/^GET \/apis?(\/[^/]+){0,2}\/?$/)
    expect(resourceRequests.length).toBeGreaterThan(30)
    const needed = new Set(resourceRequests.flatMap(permissionsOf))

    const { rules } = clusterRole()
    const granted = new Set<Permission>()
    for (const rule of rules) {
      expect(rule.resourceNames ?? rule.nonResourceURLs).toBeUndefined()
      for (const list of [rule.apiGroups, rule.resources, rule.verbs]) expect(list).not.toContain("*")
      for (const group of rule.apiGroups)
        for (const resource of rule.resources)
          for (const verb of rule.verbs) granted.add(`${group} ${resource} ${verb}`)
    }
    const missing = [...needed].filter((p) => !granted.has(p)).sort()
    const unused = [...granted].filter((p) => !needed.has(p)).sort()
    expect({ missing, unused }).toEqual({ missing: [], unused: [] })
  })
})
