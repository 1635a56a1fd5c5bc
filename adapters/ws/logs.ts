import type { IncomingMessage, Server } from "node:http"
import type { Duplex } from "node:stream"
import { stripVTControlCharacters } from "node:util"
import { Effect, Exit } from "effect"
import { WebSocket, WebSocketServer } from "ws"
import { authenticate, type Principal, stillAuthenticated } from "../../application/accounts/useCases.ts"
import type { AccessTokens, RefreshTokens } from "../../application/ports/auth.ts"
import { LogStream } from "../../application/ports/logStream.ts"
import { SubscriptionQueries } from "../../application/ports/subscriptionQueries.ts"
import type { Users } from "../../application/ports/users.ts"
import { locate, ProvisioningPolicy } from "../../application/subscriptions/naming.ts"
import type { Runner } from "../http/app.ts"

/** The app protocol a client must offer; the access token rides beside it as "bearer.<jwt>". */
export const logsProtocol = "minispod.logs.v1"

type Services = Users | AccessTokens | RefreshTokens | SubscriptionQueries | LogStream | ProvisioningPolicy

/** A stream stays open only while its viewer may still see it. */
const mayWatch = (principal: Principal, instanceId: string) =>
  Effect.flatMap(SubscriptionQueries, (q) => q.find(instanceId)).pipe(
    Effect.map((view) =>
      view !== undefined && (view.userId === principal.userId || principal.role === "ADMINISTRATOR") ? view : undefined
    )
  )
const ended = (status: string) => status === "CANCELLED" || status === "EXPIRED"

const refuse = (socket: Duplex, status: number, message: string) => {
  const challenge = status === 401 ? `WWW-Authenticate: Bearer realm="MinisPod"\r\n` : ""
  socket.write(`HTTP/1.1 ${status} ${message}\r\nConnection: close\r\n${challenge}Content-Type: application/json\r\n\r\n${JSON.stringify({ success: false, message })}`)
  socket.destroy()
}

/** The bearer token from the subprotocol list (browsers) or the Authorization header (other clients). */
const tokenOf = (req: IncomingMessage) => {
  const offered = (req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim())
  const fromProtocol = offered.find((p) => p.startsWith("bearer."))?.slice("bearer.".length)
  return fromProtocol ?? /^Bearer ([\w.-]+)$/.exec(req.headers.authorization ?? "")?.[1]
}

/**
 * WS /ws/logs?instanceId=…: authenticated in the HTTP upgrade (before any WebSocket exists),
 * Origin checked, only the owner or an administrator (others get 404, as over HTTP); live lines
 * with ANSI codes stripped, one JSON message each.
 */
export const attachLogSocket = (
  server: Server,
  options: {
    readonly run: Runner<Services>
    readonly allowedOrigins: (req: IncomingMessage) => boolean
    /** Open streams per user; more are refused with 429. */
    readonly maxStreamsPerUser: number
    /** How often open streams re-check the viewer's account, session and the subscription. */
    readonly recheckMs: number
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
  }
  const streams = new Map<string, Set<Watched>>()
  const streamsOf = (userId: string) => {
    const existing = streams.get(userId)
    if (existing !== undefined) return existing
    const created = new Set<Watched>()
    streams.set(userId, created)
    return created
  }
  // Deactivation, logout/password change/reuse, or cancellation end the stream within recheckMs.
  let rechecking = false
  const recheck = setInterval(() => {
    if (rechecking) return
    rechecking = true
    const open = [...streams.values()].flatMap((set) => [...set])
    void Promise.all(open.map(async ({ ws, principal, instanceId }) => {
      const allowed = await run(Effect.gen(function*() {
        if (!(yield* stillAuthenticated(principal))) return "session ended"
        const view = yield* mayWatch(principal, instanceId)
        return view === undefined || ended(view.status) ? "subscription ended" : undefined
      }))
      if (allowed !== undefined && ws.readyState === WebSocket.OPEN) ws.close(4401, allowed)
    })).finally(() => (rechecking = false))
  }, options.recheckMs)
  recheck.unref()
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://localhost")
    if (url.pathname !== "/ws/logs") return refuse(socket, 404, "Not Found")
    if (!options.allowedOrigins(req)) return refuse(socket, 403, "Forbidden")
    const token = tokenOf(req)
    const instanceId = url.searchParams.get("instanceId") ?? ""
    void (async () => {
      const principal: Principal | undefined = token ? await run(authenticate(token)) : undefined
      if (principal === undefined) return refuse(socket, 401, "Unauthorized")
      const view = await run(mayWatch(principal, instanceId))
      if (view === undefined || ended(view.status)) return refuse(socket, 404, "Not Found")
      const mine = streamsOf(principal.userId)
      if (mine.size >= options.maxStreamsPerUser) return refuse(socket, 429, "Too Many Requests")
      wss.handleUpgrade(req, socket, head, (ws) => {
        const watched = { ws, principal, instanceId }
        mine.add(watched)
        ws.on("close", () => {
          mine.delete(watched)
          if (mine.size === 0) streams.delete(principal.userId)
        })
        void run(Effect.flatMap(Effect.zip(LogStream, locate(view)), ([logs, at]) =>
          logs.follow(at.namespace, at.name, { tailLines: 100 }, (line) => {
            if (ws.readyState === WebSocket.OPEN) {
              ws.send(JSON.stringify({ type: "log", instanceId, line: stripVTControlCharacters(line), timestamp: new Date().toISOString() }))
            }
          }))).then((follow) => {
          if (follow === undefined) return ws.close(1011, "logs unavailable")
          ws.on("close", () => follow.stop())
        })
      })
    })()
  })
  return {
    close: () => {
      clearInterval(recheck)
      for (const client of wss.clients) client.close(1001, "server shutting down")
      wss.close()
    }
  }
}
