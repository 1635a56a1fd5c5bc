import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import { render } from "../../application/catalog/serviceTemplate.ts"
import {
  Cluster,
  type ClusterError,
  type ClusterNode,
  type InstanceMetrics,
  type InstanceSpec,
  type ObservedInstance,
  type Readiness
} from "../../application/ports/cluster.ts"
import { type KubeClient, makeKubeClient, type KubeClientOptions, type WatchEvent } from "./client.ts"
import {
  type ClusterSettings,
  componentLabel,
  credentialKey,
  databaseName,
  instanceIdLabel,
  instanceKinds,
  instanceLabel,
  instanceObjects,
  type KubeObject,
  labelsOf,
  secretDataOf,
  storageGbOf,
  tenantObjects,
  volumeName
} from "./manifests.ts"
import { evaluateReadiness } from "./readiness.ts"

export interface KubernetesClusterOptions extends KubeClientOptions, ClusterSettings {
  /** A container in CrashLoopBackOff fails its provisioning after this many restarts. */
  readonly crashLoopRestarts: number
}

type AnyObject = Record<string, any>

/** The generated variables kept in an instance's Secret. */
const credentialsIn = (secret: AnyObject | undefined): Record<string, string> =>
  Object.fromEntries(
    Object.entries((secret?.["data"] ?? {}) as Record<string, string>)
      .filter(([k]) => k.startsWith(credentialKey("")))
      .map(([k, v]) => [k.slice(credentialKey("").length), Buffer.from(v, "base64").toString("utf8")])
  )

/** "250m" / "1" / "123456n" → millicores; "512Mi" / "1Gi" / "123456Ki" / bytes → MiB. */
export const cpuMilliOf = (q: string | undefined): number => {
  const m = /^(\d+(?:\.\d+)?)(n|u|m)?$/.exec(q ?? "")
  if (!m) return 0
  const n = Number(m[1])
  return Math.round(m[2] === "n" ? n / 1e6 : m[2] === "u" ? n / 1e3 : m[2] === "m" ? n : n * 1000)
}
export const memoryMbOf = (q: string | undefined): number => Math.round(storageGbOf(q) * 1024)

const selectorOf = (name: string) => `${instanceLabel}=${name}`

/**
 * THE KUBERNETES ADAPTER: every object written by server-side apply through
 * @kubernetes/client-node, readiness watched, API failures typed and transient ones retried.
 * The same code drives a real cluster (CLUSTER_MODE=kubernetes) and the embedded simulator.
 */
export const makeKubernetesCluster = (
  options: KubernetesClusterOptions,
  kube: KubeClient = makeKubeClient(options)
) => {
  /** The generated secrets: kept from the instance's Secret, generated (crypto-random) only when missing. */
  const ensureSecret = (spec: InstanceSpec) =>
    Effect.gen(function* () {
      const generate = (known: Readonly<Record<string, string>>) =>
        Object.fromEntries(spec.secrets.map((v) => [v, known[v] ?? randomBytes(24).toString("base64url")]))
      const existing = yield* kube.read("v1", "Secret", spec.namespace, spec.name)
      let generated = generate(credentialsIn(existing))
      if (existing === undefined && !(yield* kube.create(secretObject(spec, generated)))) {
        // Another replica created it first: its secrets win.
        generated = generate(credentialsIn(yield* kube.read("v1", "Secret", spec.namespace, spec.name)))
      }
      return generated
    })

  /** The instance's Secret: generated variables and each container's env, rendered, base64 (`data` is what server-side apply tracks). */
  const secretObject = (spec: InstanceSpec, generated: Readonly<Record<string, string>>): KubeObject => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: spec.name, namespace: spec.namespace, labels: labelsOf(spec) },
    type: "Opaque",
    data: Object.fromEntries(
      Object.entries(secretDataOf(spec, generated, render)).map(([k, v]) => [
        k,
        Buffer.from(v, "utf8").toString("base64")
      ])
    )
  })

  const currentStorage = (namespace: string, claim: string) =>
    Effect.map(kube.read("v1", "PersistentVolumeClaim", namespace, claim), (pvc) =>
      storageGbOf(pvc?.["spec"]?.["resources"]?.["requests"]?.["storage"])
    )

  const apply = (spec: InstanceSpec) =>
    Effect.gen(function* () {
      const [namespace, ...guards] = tenantObjects(spec.namespace, spec.tenant, options)
      yield* kube.apply(namespace!)
      yield* Effect.forEach(guards, (o) => kube.apply(o), { concurrency: 4, discard: true })
      const generated = yield* ensureSecret(spec)
      const [appStorage, dbStorage] = yield* Effect.all(
        [
          currentStorage(spec.namespace, volumeName(spec.name)),
          spec.database ? currentStorage(spec.namespace, volumeName(databaseName(spec.name))) : Effect.succeed(0)
        ],
        { concurrency: 2 }
      )
      const objects = [
        secretObject(spec, generated),
        ...instanceObjects(
          spec,
          {
            app: Math.max(appStorage, spec.app.storageGb),
            database: Math.max(dbStorage, spec.database?.storageGb ?? 0)
          },
          options
        )
      ]
      yield* Effect.forEach(objects, (o) => kube.apply(o), { concurrency: 4, discard: true })
    })

  /**
   * List, then watch from the list's resourceVersion; every event re-evaluates. A watch that
   * ends (dropped, 410 Gone, server restart) is re-established from a fresh list.
   */
  const awaitReadiness = (
    namespace: string,
    name: string,
    timeoutMs: number,
    wanted: { readonly restartedSince?: string | undefined } = {}
  ) =>
    Effect.async<Readiness, ClusterError>((resume) => {
      const state = { deployments: new Map<string, AnyObject>(), pods: new Map<string, AnyObject>() }
      const stops: Array<() => void> = []
      let finished = false
      let last: Readiness = { _tag: "Pending" }
      const finish = (outcome: Effect.Effect<Readiness, ClusterError>) => {
        if (finished) return
        finished = true
        clearTimeout(timer)
        for (const stop of stops) stop()
        resume(outcome)
      }
      const check = () => {
        last = evaluateReadiness(
          [...state.deployments.values()],
          [...state.pods.values()],
          options.crashLoopRestarts,
          wanted.restartedSince
        )
        if (last._tag !== "Pending") finish(Effect.succeed(last))
      }
      const follow = (kind: "deployments" | "pods", attempt: number) => {
        if (finished) return
        const [apiVersion, k, path] =
          kind === "deployments"
            ? ["apps/v1", "Deployment", `/apis/apps/v1/namespaces/${namespace}/deployments`]
            : ["v1", "Pod", `/api/v1/namespaces/${namespace}/pods`]
        const again = () =>
          setTimeout(() => follow(kind, attempt + 1), Math.min(2_000, 100 * 2 ** Math.min(attempt, 5)))
        Effect.runPromise(Effect.either(kube.list(apiVersion, k, namespace, selectorOf(name)))).then((listed) => {
          if (finished) return
          if (listed._tag === "Left") {
            if (listed.left._tag === "ClusterRejected") return finish(Effect.fail(listed.left))
            return void again()
          }
          state[kind] = new Map(listed.right.items.map((o) => [o["metadata"]["uid"] ?? o["metadata"]["name"], o]))
          check()
          if (finished) return
          const onEvent = (event: WatchEvent) => {
            if (event.type === "ERROR") return stop() // 410 Gone and the like: list again
            if (event.type === "BOOKMARK") return
            const key = event.object["metadata"]?.["uid"] ?? event.object["metadata"]?.["name"]
            if (event.type === "DELETED") state[kind].delete(key)
            else state[kind].set(key, event.object)
            check()
          }
          const stop = kube.watch(
            path,
            {
              labelSelector: selectorOf(name),
              resourceVersion: listed.right.resourceVersion ?? "0",
              allowWatchBookmarks: "true"
            },
            onEvent,
            () => {
              if (!finished) again()
            }
          )
          stops.push(stop)
        })
      }
      const timer = setTimeout(() => finish(Effect.succeed(last)), timeoutMs)
      follow("deployments", 0)
      follow("pods", 0)
      return Effect.sync(() => finish(Effect.succeed(last)))
    })

  const deploymentsOf = (namespace: string, name: string) =>
    [name, databaseName(name)].map((n) => ({ namespace, name: n }))

  const scale = (namespace: string, name: string, replicas: 0 | 1) => {
    // Stop the app before its database; start the database first.
    const [app, db] = deploymentsOf(namespace, name)
    const order = replicas === 0 ? [app!, db!] : [db!, app!]
    return Effect.forEach(order, (d) => kube.scale(d.namespace, d.name, replicas), { discard: true }) as Effect.Effect<
      void,
      ClusterError
    >
  }

  const restart = (namespace: string, name: string, at: string): Effect.Effect<void, ClusterError> =>
    // A field manager of its own, so the main apply neither owns nor removes the annotation.
    Effect.asVoid(
      Effect.flatMap(
        kube.read("apps/v1", "Deployment", namespace, name),
        (existing): Effect.Effect<unknown, ClusterError> =>
          existing === undefined
            ? Effect.void
            : kube.apply(
                {
                  apiVersion: "apps/v1",
                  kind: "Deployment",
                  metadata: { name, namespace },
                  spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": at } } } }
                },
                "minispod-restart"
              )
      )
    )

  const remove = (namespace: string, name: string) =>
    Effect.gen(function* () {
      for (const { apiVersion, kind } of instanceKinds) {
        const { items } = yield* kube.list(apiVersion, kind, namespace, selectorOf(name))
        yield* Effect.forEach(items, (o) => kube.remove(apiVersion, kind, namespace, o["metadata"]["name"]), {
          concurrency: 4,
          discard: true
        })
      }
      // The tenant's last instance takes its namespace (quota, policies) with it.
      const { items: left } = yield* kube.list(
        "v1",
        "Secret",
        namespace,
        `${instanceLabel},app.kubernetes.io/managed-by=minispod`
      )
      if (left.length === 0) yield* kube.remove("v1", "Namespace", undefined, namespace)
    })

  const credentials = (namespace: string, name: string) =>
    Effect.map(kube.read("v1", "Secret", namespace, name), (secret) =>
      secret === undefined ? undefined : credentialsIn(secret)
    )

  const listManaged = Effect.map(
    kube.list(
      "apps/v1",
      "Deployment",
      undefined,
      "app.kubernetes.io/managed-by=minispod,app.kubernetes.io/component=app"
    ),
    ({ items }) =>
      items.map((d) => ({
        namespace: d["metadata"]["namespace"],
        name: d["metadata"]["name"],
        instanceId: d["metadata"]["labels"]?.[instanceIdLabel] ?? ""
      }))
  )

  const metrics = (namespace: string, name: string) =>
    Effect.gen(function* () {
      const deployment = yield* kube.read("apps/v1", "Deployment", namespace, name)
      if (deployment === undefined) return undefined
      const container = deployment["spec"]["template"]["spec"]["containers"][0]
      const limitMilli = cpuMilliOf(container?.["resources"]?.["limits"]?.["cpu"])
      const limitMb = memoryMbOf(container?.["resources"]?.["limits"]?.["memory"])
      const { items: pods } = yield* kube.list(
        "v1",
        "Pod",
        namespace,
        `${selectorOf(name)},app.kubernetes.io/component=app`
      )
      const pod = pods.find((p) => !p["metadata"]["deletionTimestamp"])
      const answer = pod === undefined ? undefined : yield* Effect.either(kube.podMetrics(namespace))
      const usage =
        answer?._tag === "Right"
          ? answer.right?.items.find((m) => m.metadata.name === pod!["metadata"]["name"])
          : undefined
      const unavailable =
        answer === undefined
          ? undefined
          : answer._tag === "Left"
            ? `metrics.k8s.io did not answer (${answer.left._tag}: ${answer.left.reason})`
            : answer.right === undefined
              ? "metrics.k8s.io is not served (no metrics-server)"
              : usage === undefined
                ? `metrics-server has no sample of pod ${pod!["metadata"]["name"]} yet`
                : undefined
      const used = (usage?.containers ?? []).reduce(
        (sum, c) => ({ cpu: sum.cpu + cpuMilliOf(c.usage.cpu), mem: sum.mem + memoryMbOf(c.usage.memory) }),
        { cpu: 0, mem: 0 }
      )
      const replicas = Number(deployment["spec"]["replicas"] ?? 1)
      return {
        phase: replicas === 0 && pod === undefined ? "Stopped" : (pod?.["status"]?.["phase"] ?? "Pending"),
        cpu: { usedMilli: used.cpu, limitMilli },
        memory: { usedMb: used.mem, limitMb },
        node: pod?.["spec"]?.["nodeName"],
        restarts: ((pod?.["status"]?.["containerStatuses"] ?? []) as Array<AnyObject>).reduce(
          (sum, c) => sum + Number(c["restartCount"] ?? 0),
          0
        ),
        unavailable
      } satisfies InstanceMetrics
    })

  const nodes = Effect.gen(function* () {
    const [{ items: nodeList }, { items: pods }, usage] = yield* Effect.all(
      [kube.list("v1", "Node", undefined), kube.list("v1", "Pod", undefined), Effect.either(kube.nodeMetrics)],
      { concurrency: 3 }
    )
    const usageUnavailable =
      usage._tag === "Left"
        ? `metrics.k8s.io did not answer (${usage.left._tag}: ${usage.left.reason})`
        : usage.right === undefined
          ? "metrics.k8s.io is not served (no metrics-server)"
          : undefined
    const resources = (r: Record<string, string> | undefined) => ({
      cpuMilli: cpuMilliOf(r?.["cpu"]),
      memoryMb: memoryMbOf(r?.["memory"]),
      pods: Number(r?.["pods"] ?? 0)
    })
    return nodeList.map((n): ClusterNode => {
      const on = pods.filter(
        (p) =>
          p["spec"]?.["nodeName"] === n["metadata"]["name"] && !["Succeeded", "Failed"].includes(p["status"]?.["phase"])
      )
      const requested = on
        .flatMap((p) => (p["spec"]?.["containers"] ?? []) as Array<AnyObject>)
        .reduce(
          (sum, c) => ({
            cpu: sum.cpu + cpuMilliOf(c["resources"]?.["requests"]?.["cpu"]),
            mem: sum.mem + memoryMbOf(c["resources"]?.["requests"]?.["memory"])
          }),
          { cpu: 0, mem: 0 }
        )
      const allocatable = (n["status"]?.["allocatable"] ?? n["status"]?.["capacity"] ?? {}) as Record<string, string>
      const conditions = (n["status"]?.["conditions"] ?? []) as Array<AnyObject>
      const sample =
        usage._tag === "Right" ? usage.right?.items.find((m) => m.metadata.name === n["metadata"]["name"]) : undefined
      return {
        name: n["metadata"]["name"],
        ready: conditions.some((c) => c["type"] === "Ready" && c["status"] === "True"),
        unschedulable: n["spec"]?.["unschedulable"] === true,
        cpuMilli: { capacity: cpuMilliOf(allocatable["cpu"]), requested: requested.cpu },
        memoryMb: { capacity: memoryMbOf(allocatable["memory"]), requested: requested.mem },
        capacity: resources(n["status"]?.["capacity"]),
        allocatable: resources(allocatable),
        conditions: conditions.map((c) => ({
          type: String(c["type"]),
          status: String(c["status"]),
          reason: c["reason"] ?? null,
          message: c["message"] ?? null
        })),
        pods: on.length,
        usage:
          sample === undefined
            ? undefined
            : { cpuMilli: cpuMilliOf(sample.usage.cpu), memoryMb: memoryMbOf(sample.usage.memory) },
        usageUnavailable:
          usageUnavailable ??
          (sample === undefined ? `metrics-server has no sample of node ${n["metadata"]["name"]} yet` : undefined)
      }
    })
  })

  /** Two cluster-wide lists (Deployments, Pods), grouped by namespace and instance label. */
  const observe = Effect.gen(function* () {
    const managed = "app.kubernetes.io/managed-by=minispod"
    const [{ items: deployments }, { items: pods }] = yield* Effect.all(
      [
        kube.list("apps/v1", "Deployment", undefined, `${managed},${instanceLabel}`),
        kube.list("v1", "Pod", undefined, `${managed},${instanceLabel}`)
      ],
      { concurrency: 2 }
    )
    type Gathering = ObservedInstance & {
      deployments: Array<ObservedInstance["deployments"][number]>
      pods: Array<ObservedInstance["pods"][number]>
    }
    const instances = new Map<string, Gathering>()
    const entry = (o: AnyObject) => {
      const labels = o["metadata"]["labels"] ?? {}
      const key = `${o["metadata"]["namespace"]}/${labels[instanceLabel]}`
      const found = instances.get(key)
      if (found !== undefined) return found
      const created: Gathering = {
        namespace: o["metadata"]["namespace"],
        name: labels[instanceLabel],
        instanceId: labels[instanceIdLabel] ?? "",
        deployments: [],
        pods: []
      }
      instances.set(key, created)
      return created
    }
    const componentOf = (o: AnyObject): "app" | "database" =>
      o["metadata"]["labels"]?.[componentLabel] === "database" ? "database" : "app"
    for (const d of deployments) {
      entry(d).deployments.push({
        name: d["metadata"]["name"],
        component: componentOf(d),
        replicas: Number(d["spec"]?.["replicas"] ?? 1),
        readyReplicas: Number(d["status"]?.["readyReplicas"] ?? 0)
      })
    }
    for (const p of pods) {
      const statuses = (p["status"]?.["containerStatuses"] ?? []) as Array<AnyObject>
      entry(p).pods.push({
        name: p["metadata"]["name"],
        component: componentOf(p),
        ready: ((p["status"]?.["conditions"] ?? []) as Array<AnyObject>).some(
          (c) => c["type"] === "Ready" && c["status"] === "True"
        ),
        restarts: statuses.reduce((sum, c) => sum + Number(c["restartCount"] ?? 0), 0),
        waitingReason: statuses
          .map((c) => c["state"]?.["waiting"]?.["reason"] as string | undefined)
          .find((r) => r !== undefined),
        node: p["spec"]?.["nodeName"],
        terminating: p["metadata"]["deletionTimestamp"] !== undefined
      })
    }
    return [...instances.values()] as ReadonlyArray<ObservedInstance>
  })

  const cordon = (node: string, unschedulable: boolean) =>
    Effect.gen(function* () {
      if ((yield* kube.read("v1", "Node", undefined, node)) === undefined) return false
      // A field manager of its own (as kubectl cordon patches this one field).
      yield* kube.apply(
        { apiVersion: "v1", kind: "Node", metadata: { name: node }, spec: { unschedulable } },
        "minispod-cordon"
      )
      return true
    })

  const drain = (node: string) =>
    Effect.gen(function* () {
      const { items } = yield* kube.list("v1", "Pod", undefined)
      const on = items
        .filter(
          (p) =>
            p["spec"]?.["nodeName"] === node &&
            !["Succeeded", "Failed"].includes(p["status"]?.["phase"]) &&
            !p["metadata"]["deletionTimestamp"]
        )
        .map((p) => ({ namespace: p["metadata"]["namespace"] as string, name: p["metadata"]["name"] as string }))
      yield* Effect.forEach(on, (p) => kube.evict(p.namespace, p.name), { concurrency: 4, discard: true })
      return on
    })

  const metricsUnavailable = kube.podMetrics("default").pipe(
    // 404: the API group is not served (no metrics-server).
    Effect.map((answer) => (answer === undefined ? "metrics.k8s.io is not served (no metrics-server)" : undefined)),
    Effect.catchAll((error) => Effect.succeed(`metrics.k8s.io did not answer (${error._tag}: ${error.reason})`))
  )

  return {
    kube,
    service: Cluster.of({
      apply,
      awaitReadiness,
      scale,
      restart,
      remove,
      credentials,
      listManaged,
      metrics,
      nodes,
      observe,
      cordon,
      drain,
      metricsUnavailable
    })
  }
}
