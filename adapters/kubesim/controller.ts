import { createHash, randomUUID } from "node:crypto"
import { admitPod, namespaceUsage, quotaStatus } from "./admissionPods.ts"
import { nodeObject } from "./nodes.ts"
import { nowIso, randomSuffix } from "./objects.ts"
import type { Obj, Store, Tx } from "./store.ts"
import { sameJson } from "./equality.ts"

export interface ControllerOptions {
  /** How long a new pod takes to become ready (SIM_CLUSTER_READY_MS). */
  readonly readyDelayMs: number
  /** Deployments whose pods never pull their image (ImagePullBackOff); default: names starting "fail-". */
  readonly failNames: RegExp
  /** Deployments whose pods crash on start (CrashLoopBackOff); default: names starting "crash-". */
  readonly crashNames: RegExp
  /** Deployments whose pods never become ready; default: names starting "hang-". */
  readonly hangNames: RegExp
  readonly nodes: ReadonlyArray<string>
}

const same = sameJson

/** pod-template-hash: a short stable hash of the pod template, as the Deployment controller uses. */
export const podTemplateHash = (template: unknown) =>
  createHash("sha256")
    .update(JSON.stringify(template ?? {}))
    .digest("hex")
    .slice(0, 10)
    .replace(/[0-9a-f]/g, (c) => "bcdfghjklmnpqrstv"[parseInt(c, 16)]!)

const ipOf = (seed: string, prefix: string) => {
  const h = createHash("sha256").update(seed).digest()
  return `${prefix}.${h[0]!}.${1 + (h[1]! % 254)}`
}

/** Keeps a condition's transition time while its status stays the same. */
const condition = (previous: Array<Obj> | undefined, next: Obj, now: string, withUpdate = false): Obj => {
  const old = previous?.find((c) => c["type"] === next["type"])
  const unchanged = old !== undefined && old["status"] === next["status"]
  return {
    ...next,
    ...(withUpdate
      ? { lastUpdateTime: unchanged && old["reason"] === next["reason"] ? old["lastUpdateTime"] : now }
      : {}),
    lastTransitionTime: unchanged ? old["lastTransitionTime"] : now
  }
}

/** A pod-template annotation that makes a running app's new pods crash (fault injection: `kubectl patch`). */
export const crashAnnotation = "sim.minispod.dev/crash"

type PodState = "creating" | "running" | "imagePullBackOff" | "crashLoop"

/**
 * The simulated control plane: Deployments get ReplicaSets and Pods that become ready after a
 * delay (or fail, crash or hang by name), pods deleted by hand are replaced, PVCs bind, quotas
 * report usage. It reacts to the store's changes and re-runs from Postgres at start, so a restart
 * finds every Deployment's pods consistent.
 */
export const makeController = (store: Store, options: ControllerOptions) => {
  const queue = new Set<string>()
  const timers = new Map<string, NodeJS.Timeout>()
  /** Exact readiness times of pods this process created (after a restart: creationTimestamp + delay). */
  const readyAt = new Map<string, number>()
  let draining: Promise<void> | undefined
  let closed = false

  const enqueue = (item: string) => {
    if (closed) return
    queue.add(item)
    draining ??= drain().finally(() => (draining = undefined))
  }

  const drain = async () => {
    while (queue.size > 0 && !closed) {
      const [item] = queue
      queue.delete(item!)
      const [kind, namespace, name] = item!.split("\u0000") as [string, string, string]
      try {
        if (kind === "deployment") await reconcileDeployment(namespace, name)
        else if (kind === "pvc") await bindClaim(namespace, name)
        else if (kind === "quota") await updateQuotas(namespace)
        else if (kind === "pod") await reconcilePod(namespace, name)
      } catch {
        wakeAt(item!, Date.now() + 500) // e.g. a transient database error: try again
      }
    }
  }

  const wakeAt = (item: string, at: number) => {
    if (closed) return
    const existing = timers.get(item)
    if (existing !== undefined) clearTimeout(existing)
    const timer = setTimeout(
      () => {
        timers.delete(item)
        enqueue(item)
      },
      Math.max(0, at - Date.now())
    )
    timer.unref()
    timers.set(item, timer)
  }

  const key = (kind: string, namespace: string, name: string) => `${kind}\u0000${namespace}\u0000${name}`

  const podState = (pod: Obj, deployment: string): { state: PodState; at: number } => {
    const at = readyAt.get(pod["metadata"].uid) ?? Date.parse(pod["metadata"].creationTimestamp) + options.readyDelayMs
    if (options.hangNames.test(deployment) || Date.now() < at) return { state: "creating", at }
    if (options.failNames.test(deployment)) return { state: "imagePullBackOff", at }
    if (options.crashNames.test(deployment) || pod["metadata"].annotations?.[crashAnnotation] === "true")
      return { state: "crashLoop", at }
    return { state: "running", at }
  }

  /** A crashing container restarts once per restart interval (the readiness delay, at least 1 s), up to maxCrashRestarts. */
  const restartIntervalMs = Math.max(1_000, options.readyDelayMs)
  const maxCrashRestarts = 5
  const crashRestarts = (at: number) =>
    Math.min(maxCrashRestarts, 1 + Math.floor((Date.now() - at) / restartIntervalMs))

  const podStatus = (pod: Obj, state: PodState, at: number, now: string): Obj => {
    const containers = (pod["spec"]?.containers ?? []) as Array<Obj>
    const ready = state === "running"
    const started = new Date(Math.floor(at / 1000) * 1000).toISOString().replace(".000Z", "Z")
    const previous = pod["status"]?.conditions as Array<Obj> | undefined
    const notReady = {
      reason: "ContainersNotReady",
      message: `containers with unready status: [${containers.map((c) => c["name"]).join(" ")}]`
    }
    const limits = containers.some((c) => c["resources"]?.limits) || containers.some((c) => c["resources"]?.requests)
    return {
      phase: state === "running" || state === "crashLoop" ? "Running" : "Pending",
      conditions: [
        condition(
          previous,
          { type: "PodReadyToStartContainers", status: state === "creating" ? "False" : "True" },
          now
        ),
        condition(previous, { type: "Initialized", status: "True" }, now),
        condition(previous, { type: "Ready", status: ready ? "True" : "False", ...(ready ? {} : notReady) }, now),
        condition(
          previous,
          { type: "ContainersReady", status: ready ? "True" : "False", ...(ready ? {} : notReady) },
          now
        ),
        condition(previous, { type: "PodScheduled", status: "True" }, now)
      ],
      hostIP: ipOf(pod["spec"].nodeName, "10.0"),
      hostIPs: [{ ip: ipOf(pod["spec"].nodeName, "10.0") }],
      ...(state === "creating"
        ? {}
        : { podIP: ipOf(pod["metadata"].uid, "10.244"), podIPs: [{ ip: ipOf(pod["metadata"].uid, "10.244") }] }),
      startTime: pod["metadata"].creationTimestamp,
      qosClass: limits ? "Burstable" : "BestEffort",
      containerStatuses: containers.map((c) => ({
        name: c["name"],
        image: c["image"],
        imageID:
          state === "running" || state === "crashLoop"
            ? `docker.io/library/${c["image"]}@sha256:${createHash("sha256").update(String(c["image"])).digest("hex")}`
            : "",
        ready,
        started: ready,
        restartCount: state === "crashLoop" ? crashRestarts(at) : 0,
        ...(state === "running"
          ? {
              containerID: `containerd://${createHash("sha256").update(`${pod["metadata"].uid}${c["name"]}`).digest("hex")}`
            }
          : {}),
        state:
          state === "running"
            ? { running: { startedAt: started } }
            : state === "creating"
              ? { waiting: { reason: "ContainerCreating" } }
              : state === "imagePullBackOff"
                ? {
                    waiting: {
                      reason: "ImagePullBackOff",
                      message: `Back-off pulling image "${c["image"]}": ErrImagePull: failed to pull and unpack image "${c["image"]}": not found (injected failure)`
                    }
                  }
                : {
                    waiting: {
                      reason: "CrashLoopBackOff",
                      message: `back-off 40s restarting failed container=${c["name"]} pod=${pod["metadata"].name}`
                    }
                  },
        ...(state === "crashLoop"
          ? { lastState: { terminated: { exitCode: 1, reason: "Error", startedAt: started, finishedAt: started } } }
          : { lastState: {} })
      }))
    }
  }

  /** A core/v1 Event about an object, as kubelet and the controllers write them (kubectl describe shows them). */
  const recordEvent = (
    tx: Tx,
    involved: Obj,
    type: "Normal" | "Warning",
    reason: string,
    message: string,
    source: string
  ) => {
    const now = nowIso()
    const meta = involved["metadata"] as Obj
    return tx.put("/events", {
      apiVersion: "v1",
      kind: "Event",
      metadata: {
        name: `${meta["name"]}.${randomUUID().replace(/-/g, "").slice(0, 16)}`,
        namespace: meta["namespace"],
        creationTimestamp: now
      },
      involvedObject: {
        apiVersion: involved["apiVersion"],
        kind: involved["kind"],
        name: meta["name"],
        namespace: meta["namespace"],
        uid: meta["uid"],
        resourceVersion: meta["resourceVersion"]
      },
      reason,
      message,
      source: { component: source },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      reportingComponent: source,
      reportingInstance: ""
    })
  }

  const stateOfStatus = (status: Obj | undefined): PodState | undefined => {
    const container = (status?.["containerStatuses"] as Array<Obj> | undefined)?.[0]
    if (container === undefined) return undefined
    if (container["state"]?.running) return "running"
    const reason = container["state"]?.waiting?.reason
    return reason === "ImagePullBackOff" ? "imagePullBackOff" : reason === "CrashLoopBackOff" ? "crashLoop" : "creating"
  }

  /** Brings a pod's status to what its kubelet would report now; events on each transition. */
  const syncPod = async (tx: Tx, pod: Obj, failureName: string, now: string) => {
    const { state, at } = podState(pod, failureName)
    const status = podStatus(pod, state, at, now)
    if (!same(status, pod["status"])) {
      const before = stateOfStatus(pod["status"])
      const stored = await tx.put("/pods", { ...pod, status })
      if (before !== state) {
        for (const c of (pod["spec"]?.containers ?? []) as Array<Obj>) {
          if (state === "running") {
            await recordEvent(
              tx,
              stored,
              "Normal",
              "Pulled",
              `Container image "${c["image"]}" already present on machine`,
              "kubelet"
            )
            await recordEvent(tx, stored, "Normal", "Started", `Started container ${c["name"]}`, "kubelet")
          } else if (state === "imagePullBackOff") {
            await recordEvent(
              tx,
              stored,
              "Warning",
              "Failed",
              `Failed to pull image "${c["image"]}": not found (injected failure)`,
              "kubelet"
            )
            await recordEvent(tx, stored, "Warning", "BackOff", `Back-off pulling image "${c["image"]}"`, "kubelet")
          } else if (state === "crashLoop") {
            await recordEvent(
              tx,
              stored,
              "Warning",
              "BackOff",
              `Back-off restarting failed container ${c["name"]} in pod ${pod["metadata"].name}`,
              "kubelet"
            )
          }
        }
      }
    }
    return { state, at }
  }

  /** The scheduler's choice: the configured nodes not cordoned (`spec.unschedulable`), one picked by the pod's name. */
  const nodeFor = async (tx: Tx, podName: string) => {
    const cordoned = new Set(
      (await tx.list("/nodes"))
        .filter((n) => n["spec"]?.unschedulable === true)
        .map((n) => n["metadata"].name as string)
    )
    const candidates = options.nodes.filter((n) => !cordoned.has(n))
    return candidates.length === 0
      ? undefined
      : candidates[createHash("sha256").update(podName).digest()[0]! % candidates.length]!
  }
  const unschedulable = () =>
    `0/${options.nodes.length} nodes are available: ${options.nodes.length} node(s) were unschedulable.`

  /** A pod created directly (no controller): scheduled to a node, then the same kubelet behaviour by its own name. */
  const reconcilePod = (namespace: string, name: string) =>
    store.transact(async (tx) => {
      const stored = await tx.get("/pods", namespace, name)
      if (stored === undefined || (stored.body["metadata"].ownerReferences ?? []).length > 0) return
      let pod = stored.body
      if (pod["spec"]?.nodeName === undefined) {
        const node = await nodeFor(tx, name)
        // Every node cordoned: it waits, unscheduled, until one is uncordoned.
        if (node === undefined)
          return void (await recordEvent(tx, pod, "Warning", "FailedScheduling", unschedulable(), "default-scheduler"))
        pod = await tx.put("/pods", { ...pod, spec: { ...pod["spec"], nodeName: node } })
        await recordEvent(
          tx,
          pod,
          "Normal",
          "Scheduled",
          `Successfully assigned ${namespace}/${name} to ${node}`,
          "default-scheduler"
        )
      }
      const { state, at } = await syncPod(tx, pod, name, nowIso())
      if (state === "creating" && !options.hangNames.test(name)) wakeAt(key("pod", namespace, name), at + 5)
      if (state === "crashLoop" && crashRestarts(at) < maxCrashRestarts)
        wakeAt(key("pod", namespace, name), at + crashRestarts(at) * restartIntervalMs + 5)
    })

  const newPod = (deployment: Obj, rs: Obj, hash: string, name: string, node: string): Obj => {
    const template = deployment["spec"].template as Obj
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        generateName: `${rs["metadata"].name}-`,
        namespace: deployment["metadata"].namespace,
        labels: { ...template["metadata"]?.labels, "pod-template-hash": hash },
        ...(template["metadata"]?.annotations ? { annotations: template["metadata"].annotations } : {}),
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "ReplicaSet",
            name: rs["metadata"].name,
            uid: rs["metadata"].uid,
            controller: true,
            blockOwnerDeletion: true
          }
        ],
        creationTimestamp: nowIso()
      },
      spec: {
        ...template["spec"],
        nodeName: node,
        enableServiceLinks: true,
        preemptionPolicy: "PreemptLowerPriority",
        priority: 0
      },
      status: { phase: "Pending", qosClass: "BestEffort" }
    }
  }

  const reconcileDeployment = (namespace: string, name: string) =>
    store.transact(async (tx) => {
      const stored = await tx.get("apps/deployments", namespace, name)
      if (stored === undefined) return
      let deployment = stored.body
      const uid = deployment["metadata"].uid as string
      const hash = podTemplateHash(deployment["spec"].template)
      const rsName = `${name}-${hash}`
      const owned = (await tx.ownedBy(namespace, uid))
        .filter((o) => o.resource === "apps/replicasets")
        .map((o) => o.body)
      const revision = (rs: Obj) => Number(rs["metadata"].annotations?.["deployment.kubernetes.io/revision"] ?? 0)
      // Recreate: a changed template replaces every old pod at once (old ReplicaSets go too).
      for (const old of owned.filter((rs) => rs["metadata"].name !== rsName)) {
        if (Number(old["spec"]?.replicas ?? 0) > 0)
          await recordEvent(
            tx,
            deployment,
            "Normal",
            "ScalingReplicaSet",
            `Scaled down replica set ${old["metadata"].name} from ${old["spec"].replicas} to 0`,
            "deployment-controller"
          )
        for (const pod of await tx.ownedBy(namespace, old["metadata"].uid)) await tx.remove(pod.resource, pod.body)
        await tx.remove("apps/replicasets", old)
      }
      const desired = deployment["spec"].paused === true ? 0 : Number(deployment["spec"].replicas ?? 1)
      const now = nowIso()
      let rs = owned.find((r) => r["metadata"].name === rsName)
      if (rs === undefined) {
        const rev = String(
          Math.max(
            0,
            ...owned.map(revision),
            Number(deployment["metadata"].annotations?.["deployment.kubernetes.io/revision"] ?? 0)
          ) + 1
        )
        const template = deployment["spec"].template as Obj
        rs = await tx.put("apps/replicasets", {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          metadata: {
            name: rsName,
            namespace,
            labels: { ...template["metadata"]?.labels, "pod-template-hash": hash },
            annotations: {
              "deployment.kubernetes.io/desired-replicas": String(desired),
              "deployment.kubernetes.io/max-replicas": String(desired + 1),
              "deployment.kubernetes.io/revision": rev
            },
            ownerReferences: [
              { apiVersion: "apps/v1", kind: "Deployment", name, uid, controller: true, blockOwnerDeletion: true }
            ],
            creationTimestamp: now,
            generation: 1
          },
          spec: {
            replicas: desired,
            selector: {
              ...deployment["spec"].selector,
              matchLabels: { ...deployment["spec"].selector?.matchLabels, "pod-template-hash": hash }
            },
            template: {
              ...template,
              metadata: {
                ...template["metadata"],
                labels: { ...template["metadata"]?.labels, "pod-template-hash": hash }
              }
            }
          },
          status: { replicas: 0 }
        })
        deployment = await tx.put("apps/deployments", {
          ...deployment,
          metadata: {
            ...deployment["metadata"],
            annotations: { ...deployment["metadata"].annotations, "deployment.kubernetes.io/revision": rev }
          }
        })
        if (desired > 0)
          await recordEvent(
            tx,
            deployment,
            "Normal",
            "ScalingReplicaSet",
            `Scaled up replica set ${rsName} from 0 to ${desired}`,
            "deployment-controller"
          )
      } else if (rs["spec"].replicas !== desired) {
        await recordEvent(
          tx,
          deployment,
          "Normal",
          "ScalingReplicaSet",
          `Scaled ${desired > rs["spec"].replicas ? "up" : "down"} replica set ${rsName} from ${rs["spec"].replicas} to ${desired}`,
          "deployment-controller"
        )
        rs = await tx.put("apps/replicasets", {
          ...rs,
          metadata: {
            ...rs["metadata"],
            generation: Number(rs["metadata"].generation ?? 1) + 1,
            annotations: { ...rs["metadata"].annotations, "deployment.kubernetes.io/desired-replicas": String(desired) }
          },
          spec: { ...rs["spec"], replicas: desired }
        })
      }
      let pods = (await tx.ownedBy(namespace, rs["metadata"].uid))
        .filter((o) => o.resource === "/pods")
        .map((o) => o.body)
      let failedCreate: string | undefined
      for (const extra of pods.slice(desired).reverse()) await tx.remove("/pods", extra)
      pods = pods.slice(0, desired)
      while (pods.length < desired) {
        const podName = `${rs["metadata"].name}-${randomSuffix()}`
        const node = await nodeFor(tx, podName)
        // Simplified: with every node cordoned no pod is created (upstream creates it and leaves it Pending).
        if (node === undefined) {
          await recordEvent(tx, rs, "Warning", "FailedScheduling", unschedulable(), "default-scheduler")
          break
        }
        const admitted = await admitPod(tx, namespace, newPod(deployment, rs, hash, podName, node))
        if ("forbidden" in admitted) {
          failedCreate = admitted.forbidden
          break
        }
        readyAt.set((admitted.pod["metadata"].uid = randomUUID()), Date.now() + options.readyDelayMs)
        const created = await tx.put("/pods", admitted.pod)
        pods.push(created)
        await recordEvent(
          tx,
          created,
          "Normal",
          "Scheduled",
          `Successfully assigned ${namespace}/${created["metadata"].name} to ${created["spec"].nodeName}`,
          "default-scheduler"
        )
      }
      if (failedCreate !== undefined)
        await recordEvent(tx, rs, "Warning", "FailedCreate", `Error creating: ${failedCreate}`, "replicaset-controller")
      let next: number | undefined
      const states: Array<PodState> = []
      for (const pod of pods) {
        const { state, at } = await syncPod(tx, pod, name, now)
        states.push(state)
        if (state === "creating" && !options.hangNames.test(name)) next = Math.min(next ?? at, at)
        if (state === "crashLoop" && crashRestarts(at) < maxCrashRestarts)
          next = Math.min(next ?? Infinity, at + crashRestarts(at) * restartIntervalMs)
      }
      if (next !== undefined) wakeAt(key("deployment", namespace, name), next + 5)
      const ready = states.filter((s) => s === "running").length
      const failed = states.some((s) => s === "imagePullBackOff" || s === "crashLoop")
      const rsStatus = {
        replicas: pods.length,
        fullyLabeledReplicas: pods.length,
        readyReplicas: ready,
        availableReplicas: ready,
        observedGeneration: rs["metadata"].generation ?? 1
      }
      if (!same(rsStatus, rs["status"])) await tx.put("apps/replicasets", { ...rs, status: rsStatus })
      const previous = deployment["status"]?.conditions as Array<Obj> | undefined
      const complete = ready === desired && pods.length === desired
      const conditions = [
        condition(
          previous,
          ready >= desired
            ? {
                type: "Available",
                status: "True",
                reason: "MinimumReplicasAvailable",
                message: "Deployment has minimum availability."
              }
            : {
                type: "Available",
                status: "False",
                reason: "MinimumReplicasUnavailable",
                message: "Deployment does not have minimum availability."
              },
          now,
          true
        ),
        condition(
          previous,
          failed
            ? {
                type: "Progressing",
                status: "False",
                reason: "ProgressDeadlineExceeded",
                message: `ReplicaSet "${rsName}" has timed out progressing.`
              }
            : complete
              ? {
                  type: "Progressing",
                  status: "True",
                  reason: "NewReplicaSetAvailable",
                  message: `ReplicaSet "${rsName}" has successfully progressed.`
                }
              : {
                  type: "Progressing",
                  status: "True",
                  reason: "ReplicaSetUpdated",
                  message: `ReplicaSet "${rsName}" is progressing.`
                },
          now,
          true
        ),
        ...(failedCreate !== undefined
          ? [
              condition(
                previous,
                { type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: failedCreate },
                now,
                true
              )
            ]
          : [])
      ]
      const status = {
        observedGeneration: deployment["metadata"].generation ?? 1,
        ...(pods.length > 0 ? { replicas: pods.length, updatedReplicas: pods.length } : {}),
        ...(ready > 0 ? { readyReplicas: ready, availableReplicas: ready } : {}),
        ...(desired - ready > 0 ? { unavailableReplicas: desired - ready } : {}),
        conditions
      }
      if (!same(status, deployment["status"])) await tx.put("apps/deployments", { ...deployment, status })
      if (failedCreate !== undefined) wakeAt(key("deployment", namespace, name), Date.now() + 2_000) // quota may free up
    })

  const bindClaim = (namespace: string, name: string) =>
    store.transact(async (tx) => {
      const stored = await tx.get("/persistentvolumeclaims", namespace, name)
      if (stored === undefined) return
      const pvc = stored.body
      const requested = pvc["spec"]?.resources?.requests?.storage
      const status = {
        phase: "Bound",
        accessModes: pvc["spec"]?.accessModes ?? ["ReadWriteOnce"],
        capacity: { storage: requested }
      }
      const volumeName = pvc["spec"]?.volumeName ?? `pvc-${pvc["metadata"].uid}`
      if (same(status, pvc["status"]) && pvc["spec"]?.volumeName === volumeName) return
      await tx.put("/persistentvolumeclaims", {
        ...pvc,
        metadata: {
          ...pvc["metadata"],
          annotations: {
            ...pvc["metadata"].annotations,
            "pv.kubernetes.io/bind-completed": "yes",
            "pv.kubernetes.io/bound-by-controller": "yes"
          }
        },
        spec: { ...pvc["spec"], volumeName, storageClassName: pvc["spec"]?.storageClassName ?? "standard" },
        status
      })
    })

  const updateQuotas = (namespace: string) =>
    store.transact(async (tx: Tx) => {
      const quotas = await tx.list("/resourcequotas", namespace)
      if (quotas.length === 0) return
      const used = await namespaceUsage(tx, namespace)
      for (const quota of quotas) {
        const status = quotaStatus(quota, used)
        if (!same(status, quota["status"])) await tx.put("/resourcequotas", { ...quota, status })
      }
    })

  const unsubscribe = store.subscribe((change) => {
    const { namespace } = change
    const name = change.object["metadata"]?.name as string
    if (change.resource === "apps/deployments" && change.type !== "DELETED") enqueue(key("deployment", namespace, name))
    // A node uncordoned: what could not be scheduled is tried again.
    if (
      change.resource === "/nodes" &&
      change.type === "MODIFIED" &&
      change.previous?.["spec"]?.unschedulable === true &&
      change.object["spec"]?.unschedulable !== true
    )
      void rescheduleAll()
    if (change.resource === "/persistentvolumeclaims" && change.type !== "DELETED") enqueue(key("pvc", namespace, name))
    if (
      ["/pods", "/persistentvolumeclaims", "/services", "/secrets", "/resourcequotas"].includes(change.resource) &&
      !(change.resource === "/resourcequotas" && change.type === "MODIFIED")
    ) {
      enqueue(key("quota", namespace, ""))
    }
    if (
      change.resource === "/pods" &&
      change.type === "ADDED" &&
      (change.object["metadata"]?.ownerReferences ?? []).length === 0
    )
      enqueue(key("pod", namespace, name))
    // A pod deleted by hand is replaced by its ReplicaSet's Deployment.
    if (change.resource === "/pods" && change.type === "DELETED") {
      const rsName = (change.object["metadata"]?.ownerReferences as Array<Obj> | undefined)?.find(
        (r) => r["kind"] === "ReplicaSet"
      )?.["name"] as string | undefined
      const hash = change.object["metadata"]?.labels?.["pod-template-hash"] as string | undefined
      if (rsName !== undefined && hash !== undefined && rsName.endsWith(`-${hash}`))
        enqueue(key("deployment", namespace, rsName.slice(0, -hash.length - 1)))
    }
  })

  const rescheduleAll = async () => {
    for (const d of (await store.list("apps/deployments")).items)
      enqueue(key("deployment", d["metadata"].namespace, d["metadata"].name))
    for (const p of (await store.list("/pods")).items)
      if (p["spec"]?.nodeName === undefined) enqueue(key("pod", p["metadata"].namespace, p["metadata"].name))
  }

  /** Nodes and the standard namespaces exist; every Deployment and claim is reconciled once. */
  const start = async () => {
    await store.transact(async (tx) => {
      for (const [i, node] of options.nodes.entries()) {
        if ((await tx.get("/nodes", "", node)) !== undefined) continue
        await tx.put("/nodes", nodeObject(node, i))
      }
      for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
        if ((await tx.get("/namespaces", "", ns)) !== undefined) continue
        await tx.put("/namespaces", {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: ns, labels: { "kubernetes.io/metadata.name": ns }, creationTimestamp: nowIso() },
          spec: { finalizers: ["kubernetes"] },
          status: { phase: "Active" }
        })
      }
    })
    for (const d of (await store.list("apps/deployments")).items)
      enqueue(key("deployment", d["metadata"].namespace, d["metadata"].name))
    for (const p of (await store.list("/pods")).items)
      if ((p["metadata"].ownerReferences ?? []).length === 0)
        enqueue(key("pod", p["metadata"].namespace, p["metadata"].name))
    for (const c of (await store.list("/persistentvolumeclaims")).items)
      enqueue(key("pvc", c["metadata"].namespace, c["metadata"].name))
  }

  return {
    start,
    /** Resolves once queued work is done (tests). */
    idle: async () => {
      while (draining !== undefined) await draining
    },
    close: async () => {
      closed = true
      unsubscribe()
      for (const timer of timers.values()) clearTimeout(timer)
      timers.clear()
      await draining
    }
  }
}
