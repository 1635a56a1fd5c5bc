import { Context, Schema, type Effect } from "effect"
import type { ObservedInstance } from "../../domain/operations/index.ts"

export type { ObservedInstance }

export type ProbeSpec =
  | { readonly kind: "http"; readonly path: string; readonly initialDelaySeconds?: number | undefined }
  | { readonly kind: "tcp"; readonly initialDelaySeconds?: number | undefined }
  | {
      readonly kind: "exec"
      readonly command: ReadonlyArray<string>
      readonly initialDelaySeconds?: number | undefined
    }

/** One container of an instance, with its own volume: the app, or its companion database. */
export interface ComponentSpec {
  readonly role: "app" | "database"
  readonly image: string
  readonly port: number
  /**
   * Env values rendered, except the generated secrets (`{{db_password}}` …), which the cluster
   * adapter fills from the instance's Secret (generating them once, crypto-random).
   */
  readonly env: Readonly<Record<string, string>>
  readonly cpuMilli: number
  readonly memoryMb: number
  readonly storageGb: number
  readonly volume: { readonly mountPath: string; readonly subPath?: string | undefined }
  readonly probe: ProbeSpec
  readonly securityContext: {
    readonly runAsUser?: number | undefined
    readonly fsGroup?: number | undefined
    readonly addCapabilities?: ReadonlyArray<string> | undefined
  }
}

/** What a tenant (one user's namespace) may use in total: the sum of its instances' plans. */
export interface TenantBudget {
  readonly userId: string
  readonly cpuMilli: number
  readonly memoryMb: number
  readonly storageGb: number
  /** Containers (app + database) of the tenant's instances. */
  readonly containers: number
}

/** What MinisPod runs for one instance (namespace per user; name = the instance name). */
export interface InstanceSpec {
  readonly instanceId: string
  readonly subscriptionId: string
  readonly serviceSlug: string
  readonly namespace: string
  readonly name: string
  /** Unique host under the configured base domain, served over TLS by the ingress (none for a database service). */
  readonly host: string | undefined
  readonly app: ComponentSpec
  readonly database: ComponentSpec | undefined
  /** Generated variables the instance's Secret holds (created once, never regenerated). */
  readonly secrets: ReadonlyArray<string>
  readonly tenant: TenantBudget
}

export type Readiness =
  | { readonly _tag: "Ready" }
  | { readonly _tag: "Pending"; readonly reason?: string | undefined }
  | { readonly _tag: "Failed"; readonly reason: string }

export interface InstanceMetrics {
  readonly phase: string
  /** Usage is 0 when no pod runs (stopped). */
  readonly cpu: { readonly usedMilli: number; readonly limitMilli: number }
  readonly memory: { readonly usedMb: number; readonly limitMb: number }
  readonly node?: string | undefined
  readonly restarts?: number | undefined
  /** Why usage is unknown though a pod runs: no metrics-server, it failed, or it has no sample yet. */
  readonly unavailable?: string | undefined
}

export interface ManagedResource {
  readonly namespace: string
  readonly name: string
  readonly instanceId: string
}

export interface ClusterNode {
  readonly name: string
  readonly ready: boolean
  /** Cordoned: no new pods are scheduled there. */
  readonly unschedulable: boolean
  /** `capacity`: allocatable (what pods may use); `requested`: the sum of its pods' requests. */
  readonly cpuMilli: { readonly capacity: number; readonly requested: number }
  readonly memoryMb: { readonly capacity: number; readonly requested: number }
  /** The node's whole capacity and what is allocatable to pods (kubelet's reserve taken off). */
  readonly capacity: { readonly cpuMilli: number; readonly memoryMb: number; readonly pods: number }
  readonly allocatable: { readonly cpuMilli: number; readonly memoryMb: number; readonly pods: number }
  readonly conditions: ReadonlyArray<{
    readonly type: string
    readonly status: string
    readonly reason: string | null
    readonly message: string | null
  }>
  /** Pods on it (not finished). */
  readonly pods: number
  /** Live usage from metrics.k8s.io NodeMetrics; undefined with `usageUnavailable` saying why. */
  readonly usage: { readonly cpuMilli: number; readonly memoryMb: number } | undefined
  readonly usageUnavailable: string | undefined
}

/** The API server did not answer or failed (5xx, timeout, refused connection), after retries. */
export class ClusterUnavailable extends Schema.TaggedError<ClusterUnavailable>()("ClusterUnavailable", {
  operation: Schema.String,
  reason: Schema.String
}) {}

/** The API server refused the request for good (403 RBAC, 422 invalid, 400): retrying cannot help. */
export class ClusterRejected extends Schema.TaggedError<ClusterRejected>()("ClusterRejected", {
  operation: Schema.String,
  status: Schema.Number,
  reason: Schema.String
}) {}

export type ClusterError = ClusterUnavailable | ClusterRejected

/**
 * The cluster that runs user apps. Every call is idempotent: applying an existing instance
 * converges it to the spec; deleting a missing one succeeds.
 */
export interface ClusterService {
  /**
   * Tenant namespace (network policy, quota, limit range), Secret, PVCs, Deployments, Service
   * and Ingress. Storage never shrinks (a PVC only grows). Replicas are left as they are
   * (a stopped instance stays stopped); a new Deployment starts with one.
   */
  readonly apply: (spec: InstanceSpec) => Effect.Effect<void, ClusterError>
  /**
   * Watches the instance's Deployments and Pods until Ready or Failed; Pending (with the last
   * reason) after `timeoutMs`. `restartedSince`: only a rollout of a restart at or after that time counts.
   */
  readonly awaitReadiness: (
    namespace: string,
    name: string,
    timeoutMs: number,
    options?: { readonly restartedSince?: string | undefined }
  ) => Effect.Effect<Readiness, ClusterError>
  /** Every Deployment of the instance (app and database) to 0 or 1. */
  readonly scale: (namespace: string, name: string, replicas: 0 | 1) => Effect.Effect<void, ClusterError>
  /** Rolling restart (pod-template annotation). */
  readonly restart: (namespace: string, name: string, at: string) => Effect.Effect<void, ClusterError>
  /** Removes the instance's objects (volumes included); the namespace goes with the tenant's last instance. */
  readonly remove: (namespace: string, name: string) => Effect.Effect<void, ClusterError>
  /** The generated secrets of an instance, from its Secret (undefined: no such instance). */
  readonly credentials: (
    namespace: string,
    name: string
  ) => Effect.Effect<Readonly<Record<string, string>> | undefined, ClusterError>
  readonly listManaged: Effect.Effect<ReadonlyArray<ManagedResource>, ClusterError>
  readonly metrics: (namespace: string, name: string) => Effect.Effect<InstanceMetrics | undefined, ClusterError>
  readonly nodes: Effect.Effect<ReadonlyArray<ClusterNode>, ClusterError>
  /** Every managed instance's Deployments and Pods, cluster-wide (what the reconciliation loop compares with the log). */
  readonly observe: Effect.Effect<ReadonlyArray<ObservedInstance>, ClusterError>
  /** Cordons (`spec.unschedulable: true`: no new pods there) or uncordons a node; false when there is no such node. */
  readonly cordon: (node: string, unschedulable: boolean) => Effect.Effect<boolean, ClusterError>
  /** Evicts every pod on the node (policy/v1 Eviction; controllers recreate them elsewhere): the pods evicted. */
  readonly drain: (
    node: string
  ) => Effect.Effect<ReadonlyArray<{ readonly namespace: string; readonly name: string }>, ClusterError>
  /** Whether metrics.k8s.io answers: undefined when it does, else why not (metrics-server absent …). */
  readonly metricsUnavailable: Effect.Effect<string | undefined>
}

export class Cluster extends Context.Tag("app/Cluster")<Cluster, ClusterService>() {}
