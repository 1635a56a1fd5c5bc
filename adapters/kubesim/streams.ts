import { PassThrough } from "node:stream"
import type { ParameterizedContext } from "koa"
import { containerLog, formatLine } from "./logs.ts"
import { keyOf, type ResourceDef } from "./resources.ts"
import { badRequest, KubeError } from "./status.ts"
import type { Change, Obj, Store } from "./store.ts"

const maxLinesPerWrite = 2_000

/** Open watch and log-follow streams, so shutdown (and the "drop watches" fault) can end them. */
export const makeStreams = (
  store: Store,
  options: { readonly logIntervalMs: number; readonly bookmarkIntervalMs: number }
) => {
  const open = new Map<PassThrough, { readonly kind: "watch" | "log"; readonly end: () => void }>()

  const startStream = (ctx: ParameterizedContext, kind: "watch" | "log", contentType: string) => {
    const stream = new PassThrough()
    // Written here rather than by Koa: a client hanging up is normal for a stream, not an error to log.
    ctx.respond = false
    ctx.status = 200
    ctx.set("Content-Type", contentType)
    ctx.set("Cache-Control", "no-cache, private")
    ctx.req.socket.setTimeout(0)
    ctx.req.socket.setNoDelay(true)
    // Headers go out now, as kube-apiserver sends them: clients wait for them before the first event.
    ctx.res.flushHeaders()
    stream.pipe(ctx.res)
    const cleanups: Array<() => void> = []
    let ended = false
    const end = () => {
      if (ended) return
      ended = true
      for (const c of cleanups) c()
      open.delete(stream)
      stream.end()
    }
    open.set(stream, { kind, end })
    ctx.res.once("close", end) // the connection went (req "close" fires once the request body is read)
    return { stream, end, onEnd: (c: () => void) => cleanups.push(c), ended: () => ended }
  }

  /** `?watch=true`: JSON lines of ADDED/MODIFIED/DELETED after `resourceVersion`, as kube-apiserver streams them. */
  const watch = async (
    ctx: ParameterizedContext,
    def: ResourceDef,
    namespace: string | undefined,
    query: {
      readonly resourceVersion: string | undefined
      readonly timeoutSeconds?: number
      readonly allowWatchBookmarks: boolean
      readonly matches: (o: Obj) => boolean
      /** How each event's object is sent (a one-row Table for kubectl get --watch). */
      readonly present: (o: Obj) => Obj
    }
  ) => {
    const resource = keyOf(def)
    let since: Array<Change> | "expired" | undefined
    if (query.resourceVersion !== undefined && query.resourceVersion !== "" && query.resourceVersion !== "0") {
      if (!/^\d+$/.test(query.resourceVersion)) throw badRequest(`invalid resourceVersion: "${query.resourceVersion}"`)
    }
    const s = startStream(ctx, "watch", "application/json")
    const send = (type: string, object: Obj) =>
      s.ended() ||
      s.stream.write(
        `${JSON.stringify({ type, object: type === "ERROR" || type === "BOOKMARK" ? object : query.present(object) })}\n`
      )
    let last = 0
    let buffer: Array<Change> | undefined = []
    // As kube-apiserver's watch cache: an object entering the selection is ADDED, one leaving it DELETED.
    const emit = (change: Change) => {
      if (change.resourceVersion <= last) return
      last = change.resourceVersion
      const now = query.matches(change.object)
      const before = change.type === "MODIFIED" && change.previous !== undefined ? query.matches(change.previous) : now
      if (now && before) send(change.type, change.object)
      else if (now) send("ADDED", change.object)
      else if (before) send("DELETED", change.object)
    }
    s.onEnd(
      store.subscribe((change) => {
        if (change.resource !== resource || (namespace !== undefined && change.namespace !== namespace)) return
        if (buffer !== undefined) buffer.push(change)
        else emit(change)
      })
    )
    if (query.timeoutSeconds !== undefined && query.timeoutSeconds > 0) {
      const timer = setTimeout(s.end, query.timeoutSeconds * 1000)
      s.onEnd(() => clearTimeout(timer))
    }
    if (query.allowWatchBookmarks) {
      const timer = setInterval(
        () =>
          send("BOOKMARK", {
            kind: def.kind,
            apiVersion: def.group === "" ? def.version : `${def.group}/${def.version}`,
            metadata: { resourceVersion: String(last), annotations: { "k8s.io/initial-events-end": "true" } }
          }),
        options.bookmarkIntervalMs
      )
      s.onEnd(() => clearInterval(timer))
    }
    try {
      if (query.resourceVersion === undefined || query.resourceVersion === "" || query.resourceVersion === "0") {
        const listed = await store.list(resource, namespace)
        for (const item of listed.items) if (query.matches(item)) send("ADDED", item)
        last = listed.resourceVersion
      } else {
        last = Number(query.resourceVersion)
        since = await store.changesSince(resource, namespace, last)
        if (since === "expired") {
          send("ERROR", new KubeError(410, "Expired", `too old resource version: ${query.resourceVersion}`).toStatus())
          s.end()
          return
        }
        last = 0
        for (const change of since) if (change.resourceVersion > Number(query.resourceVersion)) emit(change)
        last = Math.max(last, Number(query.resourceVersion))
      }
      for (const change of buffer) emit(change)
      buffer = undefined
    } catch {
      s.end()
    }
  }

  /** GET pods/NAME/log: the container's synthetic log; `follow` keeps writing until the pod goes. */
  const podLog = (
    ctx: ParameterizedContext,
    pod: Obj,
    query: {
      readonly container?: string
      readonly follow: boolean
      readonly tailLines?: number
      readonly timestamps: boolean
      readonly sinceSeconds?: number
      readonly sinceTime?: string
      readonly limitBytes?: number
    }
  ) => {
    const containers = (pod["spec"]?.containers ?? []) as Array<Obj>
    const podName = pod["metadata"].name as string
    if (query.container === undefined && containers.length > 1) {
      throw badRequest(
        `a container name must be specified for pod ${podName}, choose one of: [${containers.map((c) => c["name"]).join(" ")}]`
      )
    }
    const container =
      query.container === undefined ? containers[0] : containers.find((c) => c["name"] === query.container)
    if (container === undefined) throw badRequest(`container ${query.container} is not valid for pod ${podName}`)
    const status = (pod["status"]?.containerStatuses as Array<Obj> | undefined)?.find(
      (c) => c["name"] === container["name"]
    )
    const waiting = status?.state?.waiting as Obj | undefined
    if (status === undefined || (waiting !== undefined && waiting["reason"] !== "CrashLoopBackOff")) {
      const reason =
        waiting?.reason === "ImagePullBackOff"
          ? "trying and failing to pull image"
          : (waiting?.reason ?? "ContainerCreating")
      throw badRequest(`container "${container["name"]}" in pod "${podName}" is waiting to start: ${reason}`)
    }
    const log = containerLog(pod, container, options.logIntervalMs)
    const now = Date.now()
    const count = log.countAt(now)
    let first = Math.max(0, count - 10_000)
    if (query.tailLines !== undefined) first = Math.max(0, count - query.tailLines)
    if (query.sinceSeconds !== undefined)
      while (first < count && log.lineAt(first).at < now - query.sinceSeconds * 1000) first++
    // kube-apiserver's sinceTime is inclusive, at second precision (RFC3339).
    if (query.sinceTime !== undefined)
      while (first < count && log.lineAt(first).at < Math.floor(Date.parse(query.sinceTime) / 1000) * 1000) first++
    let text = ""
    for (let i = first; i < count; i++) text += formatLine(log.lineAt(i), query.timestamps)
    if (query.limitBytes !== undefined) text = text.slice(0, query.limitBytes)
    if (!query.follow) {
      ctx.status = 200
      ctx.type = "text/plain"
      ctx.body = text
      return
    }
    const s = startStream(ctx, "log", "text/plain")
    s.stream.write(text)
    let next = count
    let timer: NodeJS.Timeout | undefined
    // Every line due by now in one write (a chatty app writes thousands a second), at most a
    // batch's worth while the client does not read: the kernel's buffers then hold the rest back.
    const schedule = () => {
      if (s.ended()) return
      timer = setTimeout(
        () => {
          if (s.ended()) return
          const due = Math.min(log.countAt(Date.now()), next + maxLinesPerWrite)
          let batch = ""
          while (next < due) batch += formatLine(log.lineAt(next++), query.timestamps)
          if (s.stream.write(batch)) schedule()
          else s.stream.once("drain", schedule)
        },
        Math.max(0, log.lineAt(next).at - Date.now())
      )
    }
    s.onEnd(() => clearTimeout(timer))
    schedule()
    // The stream ends when the pod goes, as a container's log does when it stops.
    s.onEnd(
      store.subscribe((change) => {
        if (
          change.type === "DELETED" &&
          change.resource === "/pods" &&
          change.object["metadata"]?.uid === pod["metadata"].uid
        )
          s.end()
      })
    )
  }

  return {
    watch,
    podLog,
    /** Ends every open watch (a dropped connection, as when an API server restarts). */
    dropWatches: () => {
      let n = 0
      for (const [, s] of open)
        if (s.kind === "watch") {
          s.end()
          n++
        }
      return n
    },
    /** Ends every open log follow (a dropped connection; the pods stay). */
    dropLogs: () => {
      let n = 0
      for (const [, s] of open)
        if (s.kind === "log") {
          s.end()
          n++
        }
      return n
    },
    openWatches: () => [...open.values()].filter((s) => s.kind === "watch").length,
    openLogs: () => [...open.values()].filter((s) => s.kind === "log").length,
    closeAll: () => {
      for (const [, s] of open) s.end()
    }
  }
}
