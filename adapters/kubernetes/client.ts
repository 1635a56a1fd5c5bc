import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  createConfiguration,
  type KubeConfig,
  KubernetesObjectApi,
  Metrics,
  PatchStrategy,
  type RequestContext,
  type ResponseContext,
  ServerConfiguration,
  setHeaderOptions,
  Watch
} from "@kubernetes/client-node"
import { Duration, Effect, Schedule } from "effect"
import { ClusterRejected, ClusterUnavailable, type ClusterError } from "../../application/ports/cluster.ts"
import type { KubeObject } from "./manifests.ts"

export const fieldManager = "minispod"

export interface KubeClientOptions {
  /** Read when first needed: the embedded simulator's address is known once the server listens. */
  readonly kubeConfig: () => KubeConfig
  readonly requestTimeoutMs: number
  /** Transient failures (5xx, 429, timeouts, refused connections) are retried this many times, with exponential backoff. */
  readonly retries: number
  readonly retryBaseMs: number
}

type AnyObject = Record<string, any>

const messageOf = (body: unknown): string => {
  if (typeof body === "object" && body !== null && typeof (body as AnyObject)["message"] === "string")
    return (body as AnyObject)["message"]
  if (typeof body === "string" && body.length > 0) return body.slice(0, 300)
  return "no message"
}

/** 404 is not an error for reads and deletes: the callers decide what absence means. */
class NotFound {
  readonly _tag = "NotFound"
}

/**
 * An API server failure as a typed port error: transient ones (5xx, 429, 409 Conflict, timeouts,
 * refused connections, a namespace still terminating) are `ClusterUnavailable` and retried;
 * the rest (403 RBAC, 422 invalid, 400, 405, 415) are `ClusterRejected` and not.
 */
export const classify = (operation: string, error: unknown): ClusterError | NotFound => {
  if (error instanceof ApiException) {
    const code = error.code
    const message = messageOf(error.body)
    if (code === 404) return new NotFound()
    if (
      code >= 500 ||
      code === 429 ||
      (code === 409 && (error.body as AnyObject | undefined)?.["reason"] !== "AlreadyExists") ||
      /being terminated/.test(message)
    ) {
      return new ClusterUnavailable({ operation, reason: `HTTP ${code}: ${message}` })
    }
    const plain =
      code === 403 && /exceeded quota/.test(message)
        ? `the tenant's resource quota is exceeded: ${message}`
        : code === 403 && /cannot \S+ resource/.test(message)
          ? `forbidden by the cluster's RBAC (check MinisPod's ClusterRole): ${message}`
          : code === 401
            ? `not authenticated to the cluster: ${message}`
            : message
    return new ClusterRejected({ operation, status: code, reason: plain })
  }
  const e = error as { name?: string; message?: string; code?: string; type?: string }
  const reason =
    e?.name === "AbortError" || e?.type === "aborted" ? "timed out" : (e?.code ?? e?.message ?? String(error))
  return new ClusterUnavailable({ operation, reason })
}

export interface WatchEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR"
  readonly object: AnyObject
}

/** The few calls the adapter makes, each with a timeout, typed errors and retries; `calls` counts API requests. */
export const makeKubeClient = (options: KubeClientOptions) => {
  let clients:
    | { objects: KubernetesObjectApi; apps: AppsV1Api; core: CoreV1Api; metrics: Metrics; watch: Watch; kc: KubeConfig }
    | undefined
  let calls = 0
  const counter = {
    pre: async (ctx: RequestContext) => {
      calls++
      ctx.setSignal(AbortSignal.timeout(options.requestTimeoutMs))
      return ctx
    },
    post: async (response: ResponseContext) => response
  }
  const get = () => {
    if (clients === undefined) {
      const kc = options.kubeConfig()
      const cluster = kc.getCurrentCluster()
      if (!cluster) throw new Error("the kubeconfig has no current cluster")
      const configuration = createConfiguration({
        baseServer: new ServerConfiguration(cluster.server, {}),
        authMethods: { default: kc },
        promiseMiddleware: [counter]
      })
      const objects = new KubernetesObjectApi(configuration)
      clients = {
        objects,
        apps: new AppsV1Api(configuration),
        core: new CoreV1Api(configuration),
        metrics: new Metrics(kc),
        watch: new Watch(kc),
        kc
      }
    }
    return clients
  }

  const retrying = Schedule.exponential(Duration.millis(options.retryBaseMs)).pipe(
    Schedule.jittered,
    Schedule.intersect(Schedule.recurs(options.retries))
  )

  /** One call: typed errors, 404 as `undefined`, transient failures retried with backoff. */
  const call = <A>(
    operation: string,
    run: (c: NonNullable<typeof clients>) => Promise<A>
  ): Effect.Effect<A | undefined, ClusterError> =>
    Effect.tryPromise({ try: () => run(get()), catch: (error) => classify(operation, error) }).pipe(
      // A backstop for calls that bypass the request middleware (metrics).
      Effect.timeoutFail({
        duration: Duration.millis(options.requestTimeoutMs + 1_000),
        onTimeout: () => new ClusterUnavailable({ operation, reason: "timed out" })
      }),
      Effect.catchIf(
        (e): e is NotFound => e instanceof NotFound,
        () => Effect.succeed(undefined)
      ),
      Effect.retry({ schedule: retrying, while: (e) => e._tag === "ClusterUnavailable" })
    ) as Effect.Effect<A | undefined, ClusterError>

  const strip = (o: KubeObject) => o as unknown as Parameters<KubernetesObjectApi["patch"]>[0]

  return {
    calls: () => calls,
    kubeConfig: () => get().kc,
    /** Server-side apply: fieldManager minispod, force (MinisPod owns these fields). */
    apply: (object: KubeObject, manager: string = fieldManager) =>
      call(`apply ${object.kind}/${object.metadata.name}`, (c) =>
        c.objects.patch(strip(object), undefined, undefined, manager, true, PatchStrategy.ServerSideApply)
      ),
    /** Create only if absent: true when this call created it. */
    create: (object: KubeObject) =>
      Effect.tryPromise({
        try: () => get().objects.create(strip(object), undefined, undefined, fieldManager),
        catch: (error) => error
      }).pipe(
        Effect.as(true),
        Effect.catchAll((error) =>
          error instanceof ApiException && error.code === 409
            ? Effect.succeed(false)
            : Effect.fail(classify(`create ${object.kind}/${object.metadata.name}`, error))
        ),
        Effect.catchIf(
          (e): e is NotFound => e instanceof NotFound,
          () =>
            Effect.fail(new ClusterRejected({ operation: `create ${object.kind}`, status: 404, reason: "not found" }))
        ),
        Effect.retry({ schedule: retrying, while: (e) => (e as ClusterError)._tag === "ClusterUnavailable" })
      ) as Effect.Effect<boolean, ClusterError>,
    read: (apiVersion: string, kind: string, namespace: string | undefined, name: string) =>
      call(
        `get ${kind}/${name}`,
        (c) =>
          c.objects.read({
            apiVersion,
            kind,
            metadata: { name, ...(namespace ? { namespace } : {}) }
          }) as Promise<AnyObject>
      ),
    list: (apiVersion: string, kind: string, namespace: string | undefined, labelSelector?: string) =>
      Effect.map(
        call(
          `list ${kind}`,
          (c) =>
            c.objects.list(
              apiVersion,
              kind,
              namespace,
              undefined,
              undefined,
              undefined,
              undefined,
              labelSelector
            ) as Promise<AnyObject>
        ),
        (list) => ({
          items: (list?.["items"] ?? []) as Array<AnyObject>,
          resourceVersion: list?.["metadata"]?.["resourceVersion"] as string | undefined
        })
      ),
    /** Deletes (foreground propagation: dependents first); a missing object is fine. */
    remove: (apiVersion: string, kind: string, namespace: string | undefined, name: string) =>
      Effect.asVoid(
        call(`delete ${kind}/${name}`, (c) =>
          c.objects.delete(
            { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } },
            undefined,
            undefined,
            undefined,
            undefined,
            "Foreground"
          )
        )
      ),
    /** Replicas through the scale subresource, by server-side apply. */
    scale: (namespace: string, name: string, replicas: number) =>
      Effect.asVoid(
        call(`scale Deployment/${name}`, (c) =>
          c.apps.patchNamespacedDeploymentScale(
            {
              name,
              namespace,
              fieldManager,
              force: true,
              body: { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name, namespace }, spec: { replicas } }
            },
            setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply)
          )
        )
      ),
    podMetrics: (namespace: string) => call("get pod metrics", (c) => c.metrics.getPodMetrics(namespace)),
    nodeMetrics: call("get node metrics", (c) => c.metrics.getNodeMetrics()),
    /** policy/v1 Eviction of one pod (what kubectl drain sends); a pod already gone is fine. */
    evict: (namespace: string, name: string) =>
      Effect.asVoid(
        call(`evict Pod/${name}`, (c) =>
          c.core.createNamespacedPodEviction({
            namespace,
            name,
            body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace } }
          })
        )
      ),
    /** A raw watch; `done` is called once when it ends for any reason. Returns its stopper. */
    watch: (
      path: string,
      query: Record<string, string>,
      onEvent: (event: WatchEvent) => void,
      done: (error: unknown) => void
    ) => {
      let controller: AbortController | undefined
      let stopped = false
      calls++
      get()
        .watch.watch(path, query, (type, object) => onEvent({ type: type as WatchEvent["type"], object }), done)
        .then((c) => (stopped ? c.abort() : (controller = c)), done)
      return () => {
        stopped = true
        controller?.abort()
      }
    }
  }
}

export type KubeClient = ReturnType<typeof makeKubeClient>
