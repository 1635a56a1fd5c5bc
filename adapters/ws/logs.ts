import type { IncomingMessage, Server } from "node:http"
import type { Duplex } from "node:stream"
import { stripVTControlCharacters } from "node:util"
import { Effect, Exit } from "effect"
import { WebSocket, WebSocketServer } from "ws"
import { authenticate, type Principal, stillAuthenticated } from "../../application/accounts/useCases.ts"
import type { AccessTokens, RefreshTokens } from "../../application/ports/auth.ts"
import { Catalog } from "../../application/ports/catalog.ts"
import { type LogContainer, type LogEvent, LogStream } from "../../application/ports/logStream.ts"
import { SubscriptionQueries } from "../../application/ports/subscriptionQueries.ts"
import type { Users } from "../../application/ports/users.ts"
import { locate, ProvisioningPolicy } from "../../application/subscription/naming.ts"
import type { Runner } from "../http/app.ts"

/** The app protocol a client must offer; the access token rides beside it as "bearer.<jwt>". */
export const logsProtocol = "minispod.logs.v1"

type Services = Users | AccessTokens | RefreshTokens | SubscriptionQueries | LogStream | ProvisioningPolicy | Catalog

/** Close codes past 4000 are the application's: 4429 = too many streams (HTTP 429's meaning). */
export const closeCodes = { sessionEnded: 4401, tooManyStreams: 4429 } as const

/** A stream stays open only while its viewer may still see it. */
const mayWatch = (principal: Principal, instanceId: string) =>
  Effect.flatMap(SubscriptionQueries, (q) => q.find(instanceId)).pipe(
    Effect.map((view) =>
      view !== undefined && (view.userId === principal.userId || principal.role === "ADMINISTRATOR") ? view : undefined
    )
  )
const ended = (status: string) => status === "CANCELLED" || status === "EXPIRED"

const refuse = (socket: Duplex, status: number, message: string, detail = message) => {
  const challenge = status === 401 ? `WWW-Authenticate: Bearer realm="MinisPod"\r\n` : ""
  socket.write(
    `HTTP/1.1 ${status} ${message}\r\nConnection: close\r\n${challenge}Content-Type: application/json\r\n\r\n${JSON.stringify({ success: false, message: detail })}`
  )
  socket.destroy()
}

/** The bearer token from the subprotocol list (browsers) or the Authorization header (other clients). */
const tokenOf = (req: IncomingMessage) => {
  const offered = (req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim())
  const fromProtocol = offered.find((p) => p.startsWith("bearer."))?.slice("bearer.".length)
  return fromProtocol ?? /^Bearer ([\w.-]+)$/.exec(req.headers.authorization ?? "")?.[1]
}

/**
 * WS /ws/logs?instanceId=…&container=app|database: authenticated in the HTTP upgrade (before any
 * WebSocket exists), Origin checked, only the owner or an administrator (others get 404, as over
 * HTTP). Each line is one JSON message, ANSI codes stripped, its runtime timestamp a field of its
 * own; a replaced pod is followed and announced. A client that reads slower than the lines come
 * loses lines past `maxBufferedBytes` (then told how many), so memory stays bounded; one that
 * stops answering pings is closed.
 */
export const attachLogSocket = (
  server: Server,
  options: {
    readonly run: Runner<Services>
    readonly allowedOrigins: (req: IncomingMessage) => boolean
    /** Open streams per user; more are closed with 4429 once open. */
    readonly maxStreamsPerUser: number
    /** How often open streams re-check the viewer's account, session and the subscription. */
    readonly recheckMs: number
    /** Ping interval; a socket that has not answered the previous ping is terminated. */
    readonly pingMs: number
    /** Bytes a socket may have queued before lines are dropped (the slow-client cap). */
    readonly maxBufferedBytes: number
  }
) => {
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has(logsProtocol) ? logsProtocol : false)
  })
  const run = async <A, E>(effect: Effect.Effect<A, E, Services>) => {
    const exit = await options.run(effect)
    return Exit.isSuccess(exit) ? exit.value : undefined
  }
  interface Watched {
    readonly ws: WebSocket
    readonly principal: Principal
    readonly instanceId: string
    alive: boolean
  }
  const streams = new Map<string, Set<Watched>>()
  const streamsOf = (userId: string) => {
    const existing = streams.get(userId)
    if (existing !== undefined) return existing
    const created = new Set<Watched>()
    streams.set(userId, created)
    return created
  }
  const everyStream = () => [...streams.values()].flatMap((set) => [...set])
  // Deactivation, logout/password change/reuse, or cancellation end the stream within recheckMs.
  let rechecking = false
  const recheck = setInterval(() => {
    if (rechecking) return
    rechecking = true
    void Promise.all(
      everyStream().map(async ({ ws, principal, instanceId }) => {
        const allowed = await run(
          Effect.gen(function* () {
            if (!(yield* stillAuthenticated(principal))) return "session ended"
            const view = yield* mayWatch(principal, instanceId)
            return view === undefined || ended(view.status) ? "subscription ended" : undefined
          })
        )
        if (allowed !== undefined && ws.readyState === WebSocket.OPEN) ws.close(closeCodes.sessionEnded, allowed)
      })
    ).finally(() => (rechecking = false))
  }, options.recheckMs)
  recheck.unref()
  // Heartbeat: a peer gone without a close (a dropped network) holds no stream for long.
  const heartbeat = setInterval(() => {
    for (const watched of everyStream()) {
      if (!watched.alive) {
        watched.ws.terminate()
        continue
      }
      watched.alive = false
      watched.ws.ping()
    }
  }, options.pingMs)
  heartbeat.unref()

  /** Sends while the socket's queue is under the cap; past it, counts what it drops and says so once the queue has half drained. */
  const sender = (ws: WebSocket, instanceId: string) => {
    let dropped = 0
    return (message: Record<string, unknown>) => {
      if (ws.readyState !== WebSocket.OPEN) return
      if (ws.bufferedAmount > (dropped > 0 ? options.maxBufferedBytes / 2 : options.maxBufferedBytes)) {
        dropped++
        return
      }
      if (dropped > 0) {
        ws.send(
          JSON.stringify({
            type: "dropped",
            instanceId,
            count: dropped,
            message: `${dropped} lines dropped: the client reads slower than the log is written`
          })
        )
        dropped = 0
      }
      ws.send(JSON.stringify(message))
    }
  }

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://localhost")
    if (url.pathname !== "/ws/logs") return refuse(socket, 404, "Not Found")
    if (!options.allowedOrigins(req)) return refuse(socket, 403, "Forbidden")
    const token = tokenOf(req)
    const instanceId = url.searchParams.get("instanceId") ?? ""
    const container = (url.searchParams.get("container") ?? "app") as LogContainer
    void (async () => {
      const principal: Principal | undefined = token ? await run(authenticate(token)) : undefined
      if (principal === undefined) return refuse(socket, 401, "Unauthorized")
      if (container !== "app" && container !== "database")
        return refuse(socket, 400, "Bad Request", "container must be app or database")
      const view = await run(mayWatch(principal, instanceId))
      if (view === undefined || ended(view.status)) return refuse(socket, 404, "Not Found")
      if (container === "database") {
        const service = await run(Effect.flatMap(Catalog, (c) => c.serviceById(view.serviceId)))
        if (service?.template.database === undefined)
          return refuse(socket, 400, "Bad Request", "container: this instance has no database container")
      }
      const mine = streamsOf(principal.userId)
      wss.handleUpgrade(req, socket, head, (ws) => {
        // Past the limit the socket opens only to say why it closes: browsers see close codes, not HTTP statuses.
        if (mine.size >= options.maxStreamsPerUser)
          return ws.close(closeCodes.tooManyStreams, `at most ${options.maxStreamsPerUser} log streams per user`)
        const watched: Watched = { ws, principal, instanceId, alive: true }
        mine.add(watched)
        let follow: { readonly stop: () => void } | undefined
        let closed = false
        ws.on("pong", () => (watched.alive = true))
        ws.on("close", () => {
          closed = true
          follow?.stop()
          mine.delete(watched)
          if (mine.size === 0) streams.delete(principal.userId)
        })
        const send = sender(ws, instanceId)
        const onEvent = (event: LogEvent) =>
          event._tag === "Line"
            ? send({
                type: "log",
                instanceId,
                container,
                line: stripVTControlCharacters(event.text),
                timestamp: event.timestamp
              })
            : send({
                type: "attached",
                instanceId,
                container,
                pod: event.pod,
                previousPod: event.previous,
                message:
                  event.previous === null
                    ? `following pod ${event.pod}`
                    : `pod ${event.previous} was replaced: now following pod ${event.pod}`
              })
        void run(
          Effect.flatMap(Effect.zip(LogStream, locate(view)), ([logs, at]) =>
            logs.follow(at.namespace, at.name, { tailLines: 100, container }, onEvent)
          )
        ).then((started) => {
          if (started === undefined) return ws.close(1011, "logs unavailable")
          if (closed) return started.stop() // the client left while the follow started
          follow = started
        })
      })
    })()
  })
  return {
    close: () => {
      clearInterval(recheck)
      clearInterval(heartbeat)
      for (const client of wss.clients) client.close(1001, "server shutting down")
      wss.close()
    }
  }
}
