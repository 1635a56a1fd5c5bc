import { Context, Schema, type Effect } from "effect"

/** What MinisPod runs for one instance (namespace user-<userId>; name = the instance name). */
export interface InstanceSpec {
  readonly instanceId: string
  readonly namespace: string
  readonly name: string
  readonly image: string
  readonly port: number
  readonly env: Readonly<Record<string, string>>
  readonly cpuMilli: number
  readonly memoryMb: number
  readonly storageGb: number
  /** Unique host under the configured base domain, served over TLS by the ingress. */
  readonly host: string
}

export type Readiness = { readonly _tag: "Ready" } | { readonly _tag: "Pending" } | { readonly _tag: "Failed"; readonly reason: string }

export interface InstanceMetrics {
  readonly phase: string
  readonly cpu: { readonly usedMilli: number; readonly limitMilli: number }
  readonly memory: { readonly usedMb: number; readonly limitMb: number }
}

export interface ManagedResource {
  readonly namespace: string
  readonly name: string
  readonly instanceId: string
}

export interface ClusterNode {
  readonly name: string
  readonly ready: boolean
  readonly cpuMilli: { readonly capacity: number; readonly requested: number }
  readonly memoryMb: { readonly capacity: number; readonly requested: number }
  readonly pods: number
}

export class ClusterUnavailable extends Schema.TaggedError<ClusterUnavailable>()("ClusterUnavailable", {
  operation: Schema.String,
  reason: Schema.String
}) {}

/**
 * The cluster that runs user apps. Every call is idempotent: applying an existing instance
 * converges it to the spec; deleting a missing one succeeds.
 */
export interface ClusterService {
  /** Namespace, secret (env), PVC, deployment (requests/limits), service and ingress. */
  readonly apply: (spec: InstanceSpec) => Effect.Effect<void, ClusterUnavailable>
  readonly readiness: (namespace: string, name: string) => Effect.Effect<Readiness, ClusterUnavailable>
  readonly scale: (namespace: string, name: string, replicas: 0 | 1) => Effect.Effect<void, ClusterUnavailable>
  /** Rolling restart (pod-template annotation). */
  readonly restart: (namespace: string, name: string, at: string) => Effect.Effect<void, ClusterUnavailable>
  readonly patchResources: (namespace: string, name: string, resources: Pick<InstanceSpec, "cpuMilli" | "memoryMb" | "storageGb">) => Effect.Effect<void, ClusterUnavailable>
  readonly remove: (namespace: string, name: string) => Effect.Effect<void, ClusterUnavailable>
  readonly listManaged: Effect.Effect<ReadonlyArray<ManagedResource>, ClusterUnavailable>
  readonly metrics: (namespace: string, name: string) => Effect.Effect<InstanceMetrics | undefined, ClusterUnavailable>
  readonly nodes: Effect.Effect<ReadonlyArray<ClusterNode>, ClusterUnavailable>
}

export class Cluster extends Context.Tag("app/Cluster")<Cluster, ClusterService>() {}
