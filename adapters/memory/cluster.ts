import { Effect, Layer } from "effect"
import { Cluster, type InstanceSpec } from "../../application/ports/cluster.ts"

interface MemoryInstance {
  readonly spec: InstanceSpec
  readonly replicas: 0 | 1
}

/**
 * An in-memory cluster for fast tests and benches of use cases that only drive the Cluster port
 * (renewals: scale to 0/1, remove). Every instance is ready at once while it has a replica.
 * The embedded default and the adapter's own tests use the Kubernetes adapter on the simulator.
 */
export const ClusterMemory = () => {
  const instances = new Map<string, MemoryInstance>()
  const key = (namespace: string, name: string) => `${namespace}/${name}`
  return Layer.succeed(
    Cluster,
    Cluster.of({
      apply: (spec) =>
        Effect.sync(() => {
          const existing = instances.get(key(spec.namespace, spec.name))
          instances.set(key(spec.namespace, spec.name), { spec, replicas: existing?.replicas ?? 1 })
        }),
      awaitReadiness: (namespace, name) =>
        Effect.sync(() =>
          instances.get(key(namespace, name))?.replicas === 1
            ? { _tag: "Ready" as const }
            : { _tag: "Pending" as const }
        ),
      scale: (namespace, name, replicas) =>
        Effect.sync(() => {
          const i = instances.get(key(namespace, name))
          if (i) instances.set(key(namespace, name), { ...i, replicas })
        }),
      restart: () => Effect.void,
      remove: (namespace, name) => Effect.sync(() => void instances.delete(key(namespace, name))),
      credentials: (namespace, name) => Effect.sync(() => (instances.has(key(namespace, name)) ? {} : undefined)),
      listManaged: Effect.sync(() =>
        [...instances.values()].map((i) => ({
          namespace: i.spec.namespace,
          name: i.spec.name,
          instanceId: i.spec.instanceId
        }))
      ),
      metrics: () => Effect.succeed(undefined),
      nodes: Effect.succeed([]),
      cordon: () => Effect.succeed(false),
      drain: () => Effect.succeed([]),
      metricsUnavailable: Effect.succeed("the in-memory cluster has no metrics API"),
      observe: Effect.sync(() =>
        [...instances.values()].map(({ spec, replicas }) => ({
          namespace: spec.namespace,
          name: spec.name,
          instanceId: spec.instanceId,
          deployments: [spec.app, ...(spec.database ? [spec.database] : [])].map((c) => ({
            name: c.role === "app" ? spec.name : `${spec.name}-db`,
            component: c.role,
            replicas,
            readyReplicas: replicas
          })),
          pods:
            replicas === 0
              ? []
              : [spec.app, ...(spec.database ? [spec.database] : [])].map((c) => ({
                  name: `${spec.name}-${c.role}-0`,
                  component: c.role,
                  ready: true,
                  restarts: 0,
                  waitingReason: undefined,
                  node: undefined,
                  terminating: false
                }))
        }))
      )
    })
  )
}
