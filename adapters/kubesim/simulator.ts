import Router from "@koa/router"
import type { ParameterizedContext } from "koa"
import { parse as parseYaml } from "yaml"
import type { Sql } from "../postgres/client.ts"
import { makeController } from "./controller.ts"
import { type Fault, makeFaults, type RequestInfo } from "./faults.ts"
import { kubeconfigYaml, kubeSimulatorPrefix } from "./kubeconfig.ts"
import { nodeMetrics, podMetrics } from "./metrics.ts"
import { openApiGroupVersion, openApiIndex } from "./openapi.ts"
import { makeObjects, type Subresource } from "./objects.ts"
import { jsonPatch, mergePatch } from "./patch.ts"
import { parsePath, type Target, verbOf, version } from "./routing.ts"
import { apiVersionOf, keyOf, type ResourceDef } from "./resources.ts"
import { unknownFields } from "./fields.ts"
import { parseFieldSelector, parseLabelSelector } from "./selectors.ts"
import {
  badRequest,
  conflict,
  KubeError,
  methodNotAllowed,
  notFound,
  pageNotFound,
  unsupportedMediaType
} from "./status.ts"
import { type Obj, makeStore } from "./store.ts"
import { makeStreams } from "./streams.ts"
import { tableOf, wantsTable } from "./tables.ts"

export { kubeSimulatorPrefix } from "./kubeconfig.ts"

export interface KubeSimulatorOptions {
  readonly sql: Sql
  /** This server's own base URL (known once it listens). */
  readonly selfUrl: () => string
  /** SIM_CLUSTER_READY_MS: how long a new pod takes to become ready. */
  readonly readyDelayMs: number
  readonly logIntervalMs?: number
  readonly bookmarkIntervalMs?: number
  readonly failNames?: RegExp
  readonly crashNames?: RegExp
  readonly hangNames?: RegExp
  /** Deployments whose pod template may not change (injected failure, 422); default: "nopatch-". */
  readonly patchFailNames?: RegExp
  readonly nodes?: ReadonlyArray<string>
  /** Largest request body accepted (kube-apiserver's is 3 MiB). */
  readonly maxBodyBytes?: number
}

export interface RecordedRequest extends RequestInfo {
  readonly method: string
  /** 0 until answered. */
  status: number
  readonly userAgent: string
  readonly at: string
}

const patchTypes = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml"
]

const single = (value: string | Array<string> | undefined) => (Array.isArray(value) ? value[0] : value)
const flag = (value: string | Array<string> | undefined) => {
  const v = single(value)
  return v === "true" || v === "1"
}
const integer = (value: string | Array<string> | undefined, name: string) => {
  const v = single(value)
  if (v === undefined || v === "") return undefined
  if (!/^-?\d+$/.test(v)) throw badRequest(`invalid value for ${name}: "${v}"`)
  return Number(v)
}

const readBody = async (ctx: ParameterizedContext, limit: number): Promise<string> => {
  const raw = (ctx.request as { rawBody?: string }).rawBody
  if (typeof raw === "string") return raw
  const chunks: Array<Buffer> = []
  let size = 0
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length
    if (size > limit) throw new KubeError(413, "RequestEntityTooLarge", "the request body is too large")
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString("utf8")
}

/** Bodies are JSON (or YAML for apply); protobuf and CBOR are refused with 415 as a server without them would. */
const requireJson = (ctx: ParameterizedContext) => {
  const type = ctx.get("content-type").split(";")[0]!.trim().toLowerCase()
  if (type !== "" && type !== "application/json" && !type.endsWith("+json") && !type.endsWith("+yaml"))
    throw unsupportedMediaType(type)
}

const parseJson = (text: string) => {
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw badRequest(`the body of the request is not valid JSON: ${(error as Error).message}`)
  }
}

/** Distinct RBAC triples of recorded requests, sorted. */
const rulesOf = (requests: ReadonlyArray<RecordedRequest>) =>
  [
    ...new Set(
      requests.map((r) =>
        JSON.stringify([r.apiGroup, r.subresource ? `${r.resource}/${r.subresource}` : r.resource, r.verb])
      )
    )
  ]
    .sort()
    .map((j) => {
      const [apiGroup, resource, verb] = JSON.parse(j) as [string, string, string]
      return { apiGroup, resource, verb }
    })

/**
 * KUBERNETES API SIMULATOR (CLUSTER_MODE=simulator, the embedded default), served under
 * /dev/kube: discovery, CRUD, server-side apply, patches, label/field selectors, watches,
 * pod logs, metrics.k8s.io, a Deployment controller, Postgres-backed state — so the real
 * @kubernetes/client-node adapter and kubectl both talk to it.
 */
export const makeKubeSimulator = async (options: KubeSimulatorOptions) => {
  const store = makeStore(options.sql)
  const patchFailNames = options.patchFailNames ?? /^nopatch-/
  const objects = makeObjects(store, { refusesTemplateChange: (name) => patchFailNames.test(name) })
  const controller = makeController(store, {
    readyDelayMs: options.readyDelayMs,
    failNames: options.failNames ?? /^fail-/,
    crashNames: options.crashNames ?? /^crash-/,
    hangNames: options.hangNames ?? /^hang-/,
    nodes: options.nodes ?? ["kubesim-node-1", "kubesim-node-2"]
  })
  const streams = makeStreams(store, {
    logIntervalMs: options.logIntervalMs ?? 1_000,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 10_000
  })
  const faults = makeFaults()
  const recorded: Array<RecordedRequest> = []
  const maxRecorded = 20_000
  const maxBodyBytes = options.maxBodyBytes ?? 3 * 1024 * 1024
  await controller.start()
  const compaction = setInterval(() => void store.compact(10_000).catch(() => undefined), 60_000)
  compaction.unref()

  const listOf = async (def: ResourceDef, namespace: string | undefined) => {
    if (!def.readOnly) return store.list(keyOf(def), namespace)
    const pods = await store.list("/pods", def.namespaced ? namespace : undefined)
    if (def.plural === "pods") return { items: podMetrics(pods.items), resourceVersion: pods.resourceVersion }
    const nodes = await store.list("/nodes")
    return { items: nodeMetrics(nodes.items, pods.items), resourceVersion: nodes.resourceVersion }
  }

  const scaleOf = (deployment: Obj) => ({
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: deployment["metadata"].name,
      namespace: deployment["metadata"].namespace,
      uid: deployment["metadata"].uid,
      resourceVersion: deployment["metadata"].resourceVersion,
      creationTimestamp: deployment["metadata"].creationTimestamp
    },
    spec: { replicas: deployment["spec"]?.replicas ?? 1 },
    status: {
      replicas: deployment["status"]?.replicas ?? 0,
      selector: Object.entries((deployment["spec"]?.selector?.matchLabels ?? {}) as Record<string, string>)
        .map(([k, v]) => `${k}=${v}`)
        .join(",")
    }
  })

  /** PUT/PATCH of /scale: the new replica count goes to the Deployment's spec. */
  const writeScale = async (
    target: Target,
    namespace: string,
    method: string,
    type: string,
    body: unknown,
    fieldManager: string | undefined,
    dryRun: boolean
  ) => {
    const deployment = await objects.get(target.def, namespace, target.name!)
    const scale = scaleOf(deployment)
    let next: Obj
    if (method === "PUT") next = body as Obj
    else next = type === "application/json-patch+json" ? jsonPatch(scale, body) : (mergePatch(scale, body) as Obj)
    const replicas = next["spec"]?.replicas
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new KubeError(
        422,
        "Invalid",
        `Scale.autoscaling "${target.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
        {
          name: target.name!,
          group: "autoscaling",
          kind: "Scale",
          causes: [
            { reason: "FieldValueInvalid", message: "must be greater than or equal to 0", field: "spec.replicas" }
          ]
        }
      )
    }
    const expected = next["metadata"]?.resourceVersion
    const updated = await objects.patch(
      target.def,
      namespace,
      target.name!,
      "application/merge-patch+json",
      {
        metadata: expected && expected !== scale.metadata.resourceVersion ? { resourceVersion: expected } : {},
        spec: { replicas }
      },
      { dryRun, owner: { key: `${fieldManager ?? "unknown"}|scale`, config: { spec: { replicas } } } },
      undefined
    )
    return scaleOf(updated)
  }

  const respond = (ctx: ParameterizedContext, status: number, body: unknown) => {
    ctx.status = status
    ctx.type = "application/json"
    ctx.body = body
  }

  const serve = async (
    ctx: ParameterizedContext,
    path: string,
    info: RequestInfo | undefined,
    target: Target | undefined
  ) => {
    if (path === "/version" || path === "/version/") return respond(ctx, 200, version)
    if (path === "/openapi/v3" || path === "/openapi/v3/") return respond(ctx, 200, openApiIndex())
    if (path.startsWith("/openapi/v3/")) {
      const parts = path.slice("/openapi/v3/".length).split("/")
      const doc =
        parts[0] === "api"
          ? openApiGroupVersion("", parts[1] ?? "")
          : openApiGroupVersion(parts[1] ?? "", parts[2] ?? "")
      if (doc === undefined) throw pageNotFound()
      return respond(ctx, 200, doc)
    }
    const parsed = parsePath(path)
    if (parsed === undefined) throw pageNotFound()
    if ("discovery" in parsed) {
      if (ctx.method !== "GET") throw methodNotAllowed()
      return respond(ctx, 200, parsed.discovery)
    }
    const { def, name, subresource } = target!
    const namespace = target!.namespace ?? (def.namespaced ? undefined : "")
    const q = ctx.query
    if (def.readOnly && ctx.method !== "GET") throw methodNotAllowed()
    if (def.namespaced && name !== undefined && namespace === undefined) throw pageNotFound()
    if (!def.namespaced && target!.namespace !== undefined) throw pageNotFound()
    const ns = namespace ?? ""
    const dryRunValue = single(q["dryRun"])
    if (dryRunValue !== undefined && dryRunValue !== "All")
      throw badRequest(`unsupported dryRun value: "${dryRunValue}" (supported: "All")`)
    const dryRun = dryRunValue === "All"
    const fieldValidation = single(q["fieldValidation"]) ?? "Warn"
    if (!["Ignore", "Warn", "Strict"].includes(fieldValidation))
      throw badRequest(`fieldValidation must be one of Ignore, Warn, Strict (got "${fieldValidation}")`)
    /** Unknown fields: refused with Strict, else dropped (with a warning header unless Ignore), as real strict decoding does. */
    const decoded = (document: unknown) => {
      const { fields, pruned } = unknownFields(def, document, subresource)
      if (fields.length === 0) return document
      if (fieldValidation === "Strict")
        throw badRequest(
          `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: strict decoding error: ${fields.map((f) => `unknown field "${f}"`).join(", ")}`
        )
      if (fieldValidation === "Warn") for (const f of fields) ctx.append("Warning", `299 - "unknown field \\"${f}\\""`)
      return pruned
    }
    switch (info!.verb) {
      case "list":
      case "watch":
      case "deletecollection": {
        const labels = parseLabelSelector(single(q["labelSelector"]))
        const fields = parseFieldSelector(single(q["fieldSelector"]))
        const matches = (o: Obj) => labels(o["metadata"]?.labels) && fields(o)
        if (info!.verb === "watch") {
          if (def.readOnly) throw methodNotAllowed()
          const timeoutSeconds = integer(q["timeoutSeconds"], "timeoutSeconds")
          return streams.watch(ctx, def, namespace, {
            resourceVersion: single(q["resourceVersion"]),
            ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
            allowWatchBookmarks: flag(q["allowWatchBookmarks"]),
            matches,
            present: wantsTable(ctx.get("accept"))
              ? (o) => tableOf(def, { metadata: { resourceVersion: o["metadata"]?.resourceVersion }, items: [o] })
              : (o) => o
          })
        }
        if (info!.verb === "deletecollection") {
          const body = await readBody(ctx, maxBodyBytes)
          const items = await objects.removeCollection(
            def,
            namespace,
            matches,
            single(q["propagationPolicy"]),
            body.trim() === "" ? undefined : (parseJson(body) as Obj)
          )
          return respond(ctx, 200, { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: {}, items })
        }
        const listed = await listOf(def, namespace)
        const items = listed.items.filter(matches).map((o) => ({ ...o, apiVersion: apiVersionOf(def), kind: def.kind }))
        const list = {
          kind: `${def.kind}List`,
          apiVersion: apiVersionOf(def),
          metadata: { resourceVersion: String(listed.resourceVersion) },
          items
        }
        return respond(ctx, 200, wantsTable(ctx.get("accept")) ? tableOf(def, list) : list)
      }
      case "get": {
        if (def.readOnly) {
          const item = (await listOf(def, namespace)).items.find((o) => o["metadata"].name === name)
          if (item === undefined) throw notFound(def.group, def.plural, name!)
          return respond(ctx, 200, item)
        }
        const object = await objects.get(def, ns, name!)
        if (subresource === "log") {
          const tailLines = integer(q["tailLines"], "tailLines")
          const sinceSeconds = integer(q["sinceSeconds"], "sinceSeconds")
          const limitBytes = integer(q["limitBytes"], "limitBytes")
          const container = single(q["container"])
          const sinceTime = single(q["sinceTime"]) || undefined
          if (sinceTime !== undefined && Number.isNaN(Date.parse(sinceTime)))
            throw badRequest(`invalid sinceTime: "${sinceTime}"`)
          if (sinceTime !== undefined && sinceSeconds !== undefined)
            throw badRequest("at most one of sinceTime or sinceSeconds may be specified")
          return streams.podLog(ctx, object, {
            follow: flag(q["follow"]),
            timestamps: flag(q["timestamps"]),
            ...(container === undefined || container === "" ? {} : { container }),
            ...(tailLines === undefined ? {} : { tailLines }),
            ...(sinceSeconds === undefined ? {} : { sinceSeconds }),
            ...(sinceTime === undefined ? {} : { sinceTime }),
            ...(limitBytes === undefined ? {} : { limitBytes })
          })
        }
        if (subresource === "scale") return respond(ctx, 200, scaleOf(object))
        return respond(
          ctx,
          200,
          wantsTable(ctx.get("accept")) ? tableOf(def, { metadata: {}, items: [object] }) : object
        )
      }
      case "create": {
        // policy/v1 Eviction (kubectl drain): the pod goes at once (no PodDisruptionBudgets here); its controller replaces it.
        if (subresource === "eviction") {
          const eviction = parseJson(await readBody(ctx, maxBodyBytes)) as Obj
          if (
            eviction?.["kind"] !== "Eviction" ||
            (eviction["metadata"]?.name !== undefined && eviction["metadata"].name !== name)
          )
            throw badRequest("the body must be an Eviction of this pod")
          await objects.remove(def, ns, name!, eviction["deleteOptions"], undefined, dryRun)
          return respond(ctx, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 })
        }
        if (name !== undefined) throw methodNotAllowed()
        const body = decoded(parseJson(await readBody(ctx, maxBodyBytes)))
        if (def.namespaced && namespace === undefined) throw pageNotFound()
        return respond(ctx, 201, await objects.create(def, ns, body, dryRun))
      }
      case "update": {
        const body = decoded(parseJson(await readBody(ctx, maxBodyBytes)))
        if (subresource === "scale")
          return respond(ctx, 200, await writeScale(target!, ns, "PUT", "", body, single(q["fieldManager"]), dryRun))
        return respond(ctx, 200, await objects.replace(def, ns, name!, body, subresource as Subresource, dryRun))
      }
      case "patch": {
        const type = ctx.get("content-type").split(";")[0]!.trim().toLowerCase()
        if (!patchTypes.includes(type)) throw unsupportedMediaType(type)
        const text = await readBody(ctx, maxBodyBytes)
        let document: unknown
        if (type === "application/apply-patch+yaml") {
          try {
            document = parseYaml(text)
          } catch (error) {
            throw badRequest(`error decoding YAML: ${(error as Error).message}`)
          }
        } else document = parseJson(text)
        if (type !== "application/json-patch+json") document = decoded(document)
        if (subresource === "scale")
          return respond(
            ctx,
            200,
            await writeScale(target!, ns, "PATCH", type, document, single(q["fieldManager"]), dryRun)
          )
        const fieldManager = single(q["fieldManager"])
        const existed =
          type === "application/apply-patch+yaml" ? (await store.get(keyOf(def), ns, name!)) !== undefined : true
        const result = await objects.patch(
          def,
          ns,
          name!,
          type,
          document,
          { ...(fieldManager === undefined ? {} : { fieldManager }), force: flag(q["force"]), dryRun },
          subresource as Subresource
        )
        return respond(ctx, existed ? 200 : 201, result)
      }
      case "delete": {
        const body = await readBody(ctx, maxBodyBytes)
        return respond(
          ctx,
          200,
          await objects.remove(
            def,
            ns,
            name!,
            body.trim() === "" ? undefined : (parseJson(body) as Obj),
            single(q["propagationPolicy"]),
            dryRun
          )
        )
      }
      default:
        throw methodNotAllowed()
    }
  }

  const applyFaults = async (info: RequestInfo) => {
    for (const fault of faults.take(info)) {
      switch (fault.kind) {
        case "delay":
          await new Promise((resolve) => setTimeout(resolve, fault.ms))
          break
        case "error":
          throw new KubeError(
            fault.status ?? 500,
            (fault.status ?? 500) === 503
              ? "ServiceUnavailable"
              : (fault.status ?? 500) === 504
                ? "Timeout"
                : "InternalError",
            fault.message ?? "Internal error occurred: injected failure",
            (fault.status ?? 500) >= 500 ? { retryAfterSeconds: 1 } : undefined
          )
        case "conflict":
          throw conflict(info.apiGroup, info.resource, info.name)
        case "forbidden":
          throw new KubeError(
            403,
            "Forbidden",
            `${info.resource}${info.apiGroup === "" ? "" : `.${info.apiGroup}`}${info.name ? ` "${info.name}"` : ""} is forbidden: User "system:serviceaccount:minispod:minispod" cannot ${info.verb} resource "${info.resource}${info.subresource ? `/${info.subresource}` : ""}" in API group "${info.apiGroup}"${info.namespace ? ` in the namespace "${info.namespace}"` : ""}`,
            { ...(info.name ? { name: info.name } : {}), group: info.apiGroup, kind: info.resource }
          )
      }
    }
  }

  const router = new Router()
  router.get("/dev/kube-config", (ctx) => {
    ctx.type = "application/yaml"
    ctx.body = kubeconfigYaml(options.selfUrl())
  })
  router.get(`${kubeSimulatorPrefix}/_requests`, (ctx) =>
    respond(ctx, 200, flag(ctx.query["summary"]) ? { rules: rulesOf(recorded) } : { items: recorded })
  )
  router.delete(`${kubeSimulatorPrefix}/_requests`, (ctx) => {
    recorded.length = 0
    respond(ctx, 200, { items: [] })
  })
  router.get(`${kubeSimulatorPrefix}/_faults`, (ctx) =>
    respond(ctx, 200, { items: faults.pending(), openWatches: streams.openWatches(), openLogs: streams.openLogs() })
  )
  router.post(`${kubeSimulatorPrefix}/_faults`, async (ctx) => {
    const body = (ctx.request.body ?? {}) as Obj
    if (body["kind"] === "dropWatches") return respond(ctx, 200, { dropped: streams.dropWatches() })
    if (!["error", "delay", "conflict", "forbidden"].includes(body["kind"]))
      return respond(
        ctx,
        400,
        new KubeError(
          400,
          "BadRequest",
          'kind must be one of "error", "delay", "conflict", "forbidden", "dropWatches"'
        ).toStatus()
      )
    faults.inject(body as Fault)
    respond(ctx, 201, { items: faults.pending() })
  })
  router.delete(`${kubeSimulatorPrefix}/_faults`, (ctx) => {
    faults.clear()
    respond(ctx, 200, { items: [] })
  })
  router.all(`${kubeSimulatorPrefix}{/*rest}`, async (ctx) => {
    const path = ctx.path.slice(kubeSimulatorPrefix.length) || "/"
    const parsed = parsePath(path)
    const target = parsed !== undefined && "target" in parsed ? parsed.target : undefined
    const info: RequestInfo | undefined = target && {
      verb: verbOf(ctx.method, target, flag(ctx.query["watch"])),
      apiGroup: target.def.group,
      resource: target.def.plural,
      subresource: target.subresource ?? "",
      namespace: target.namespace ?? "",
      name: target.name ?? "",
      path
    }
    // Recorded when it arrives (a watch may outlive the test that reads the log); status when answered.
    const entry =
      info === undefined
        ? undefined
        : { ...info, method: ctx.method, status: 0, userAgent: ctx.get("user-agent"), at: new Date().toISOString() }
    if (entry !== undefined) {
      if (recorded.length >= maxRecorded) recorded.shift()
      recorded.push(entry)
    }
    try {
      if (["POST", "PUT", "PATCH", "DELETE"].includes(ctx.method)) requireJson(ctx)
      if (info !== undefined) await applyFaults(info)
      await serve(ctx, path, info, target)
    } catch (error) {
      const failure =
        error instanceof KubeError
          ? error
          : new KubeError(500, "InternalError", `Internal error occurred: ${(error as Error).message}`)
      respond(ctx, failure.code, failure.toStatus())
    } finally {
      if (entry !== undefined) entry.status = ctx.status
    }
  })

  return {
    router,
    kubeconfig: () => kubeconfigYaml(options.selfUrl()),
    /** Every API request received, oldest first: verb, apiGroup, resource, subresource, namespace, name. */
    requests: () => [...recorded] as ReadonlyArray<RecordedRequest>,
    /** The distinct (apiGroup, resource[/subresource], verb) used so far: what an RBAC role must grant. */
    requestRules: () => rulesOf(recorded),
    clearRequests: () => void (recorded.length = 0),
    faults: {
      inject: faults.inject,
      clear: faults.clear,
      dropWatches: streams.dropWatches,
      dropLogs: streams.dropLogs
    },
    /** Resolves once the controller has nothing queued (tests). */
    settled: controller.idle,
    /** Ends open watches and log streams and stops the controller (before the HTTP server closes). */
    close: async () => {
      clearInterval(compaction)
      streams.closeAll()
      await controller.close()
    }
  }
}

export type KubeSimulator = Awaited<ReturnType<typeof makeKubeSimulator>>
