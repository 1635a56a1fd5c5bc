import { Effect, Layer } from "effect"
import { Cluster, ClusterUnavailable, type InstanceSpec } from "../../application/ports/cluster.ts"

export interface SimulatedClusterOptions {
  /** How long a new instance takes to become ready. */
  readonly readinessDelayMs: number
  /** Instance names matching this pattern never become ready (injected failure); default: names starting "fail-". */
  readonly failNames: RegExp
  /** Instance names matching this pattern stay pending forever (to exercise the timeout); default: "hang-". */
  readonly hangNames: RegExp
  /** Instance names matching this pattern refuse resource patches (upgrades); default: "nopatch-". */
  readonly patchFailNames: RegExp
}

interface SimInstance {
  spec: InstanceSpec
  replicas: 0 | 1
  readyAt: number
  restarts: number
}

/**
 * SIMULATED CLUSTER (the embedded default, in-process, no Kubernetes): keeps the resources of
 * each instance in memory, becomes ready after a delay, and fails or hangs on demand by name.
 */
export const ClusterSimulated = (options: SimulatedClusterOptions) => {
  const instances = new Map<string, SimInstance>()
  const key = (namespace: string, name: string) => `${namespace}/${name}`
  const now = () => Date.now()
  return Layer.succeed(
    Cluster,
    Cluster.of({
      apply: (spec) =>
        Effect.sync(() => {
          const existing = instances.get(key(spec.namespace, spec.name))
          instances.set(key(spec.namespace, spec.name), existing
            ? { ...existing, spec }
            : { spec, replicas: 1, readyAt: now() + options.readinessDelayMs, restarts: 0 })
        }),
      readiness: (namespace, name) =>
        Effect.sync(() => {
          const i = instances.get(key(namespace, name))
          if (i === undefined) return { _tag: "Pending" as const }
          if (options.failNames.test(name)) return { _tag: "Failed" as const, reason: "CrashLoopBackOff (simulated)" }
          if (options.hangNames.test(name) || i.replicas === 0 || now() < i.readyAt) return { _tag: "Pending" as const }
          return { _tag: "Ready" as const }
        }),
      scale: (namespace, name, replicas) =>
        Effect.sync(() => {
          const i = instances.get(key(namespace, name))
          if (i) instances.set(key(namespace, name), { ...i, replicas, readyAt: replicas === 1 ? now() + options.readinessDelayMs : i.readyAt })
        }),
      restart: (namespace, name) =>
        Effect.sync(() => {
          const i = instances.get(key(namespace, name))
          if (i) instances.set(key(namespace, name), { ...i, restarts: i.restarts + 1, readyAt: now() + options.readinessDelayMs })
        }),
      patchResources: (namespace, name, resources) =>
        options.patchFailNames.test(name)
          ? Effect.fail(new ClusterUnavailable({ operation: "patchResources", reason: "admission webhook denied the patch (simulated)" }))
          : Effect.sync(() => {
            const i = instances.get(key(namespace, name))
            if (i) instances.set(key(namespace, name), { ...i, spec: { ...i.spec, ...resources } })
          }),
      remove: (namespace, name) => Effect.sync(() => void instances.delete(key(namespace, name))),
      nodes: Effect.sync(() => {
        const running = [...instances.values()].filter((i) => i.replicas === 1)
        return [{
          name: "simulated-node-1",
          ready: true,
          cpuMilli: { capacity: 64_000, requested: running.reduce((sum, i) => sum + i.spec.cpuMilli, 0) },
          memoryMb: { capacity: 262_144, requested: running.reduce((sum, i) => sum + i.spec.memoryMb, 0) },
          pods: running.length
        }]
      }),
      listManaged: Effect.sync(() => [...instances.values()].map((i) => ({ namespace: i.spec.namespace, name: i.spec.name, instanceId: i.spec.instanceId }))),
      metrics: (namespace, name) =>
        Effect.sync(() => {
          const i = instances.get(key(namespace, name))
          if (i === undefined) return undefined
          const running = i.replicas === 1 && now() >= i.readyAt
          return {
            phase: running ? "Running" : i.replicas === 0 ? "Stopped" : "Pending",
            cpu: { usedMilli: running ? Math.round(i.spec.cpuMilli * 0.2) : 0, limitMilli: i.spec.cpuMilli },
            memory: { usedMb: running ? Math.round(i.spec.memoryMb * 0.4) : 0, limitMb: i.spec.memoryMb }
          }
        })
    })
  )
}
