import Router from "@koa/router"
import type { Effect, Exit } from "effect"
import Koa from "koa"
import type client from "prom-client"
import type { AccessTokens, RefreshTokens } from "../../application/ports/auth.ts"
import type { IdempotencyStore } from "../../application/ports/idempotency.ts"
import type { Users } from "../../application/ports/users.ts"
import { type CorsPolicy, corsMiddleware, corsPolicy } from "./cors.ts"
import { makeDocsRouter } from "./docs.ts"
import { envelope } from "./edge/envelope.ts"
import { makeHttpMetrics } from "./edge/httpMetrics.ts"
import { makeInFlight } from "./edge/inFlight.ts"
import { mountProbes } from "./edge/probes.ts"
import { jsonBody, jsonOnly, requestDeadline } from "./edge/requestBody.ts"
import { routeHandler } from "./edge/routeHandler.ts"
import { openApiDocument } from "./openapi.ts"
import type { Route } from "./route.ts"

export type Runner<R> = <A, E>(effect: Effect.Effect<A, E, R>) => Promise<Exit.Exit<A, E>>

export interface HttpLogger {
  readonly info: (message: string, fields: Record<string, unknown>) => void
  readonly warn: (message: string, fields: Record<string, unknown>) => void
  readonly error: (message: string, fields: Record<string, unknown>) => void
}

/** What the edge itself needs: authentication and Idempotency-Key records. */
export type EdgeServices = Users | AccessTokens | RefreshTokens | IdempotencyStore

export interface HttpOptions<R> {
  readonly routes: ReadonlyArray<Route<R>>
  readonly run: Runner<R | EdgeServices>
  readonly logger: HttpLogger
  readonly bodyLimitBytes: number
  readonly trustProxy: boolean
  /** Readiness: resolves when the database answers. */
  readonly ready: () => Promise<boolean>
  /** Non-API routers mounted beside the API (the local Midtrans simulator). */
  readonly extraRouters?: ReadonlyArray<Router>
  /** Origins browsers may call from (CORS_ORIGINS); none by default. */
  readonly cors?: CorsPolicy
  /** Check each success's data against its route's documented `response` Schema (tests): a mismatch is a 500. */
  readonly checkResponses?: boolean
  /** True once shutdown began: readiness answers 503 and connections are not kept alive. */
  readonly draining?: () => boolean
  /** Whether a defect is an outage of a dependency (answered 503 with Retry-After, not 500). */
  readonly unavailable?: (defect: unknown) => boolean
  /** GET /metrics on this port: not at all, openly, or only with `Authorization: Bearer <token>`. */
  readonly metrics?: { readonly served: boolean; readonly token?: string | undefined }
  /** More collectors on the /metrics registry (business gauges). */
  readonly registerMetrics?: (registry: client.Registry) => void
  /** How long a duplicate Idempotency-Key waits for the first request's outcome before a 409. */
  readonly idempotencyWaitMs?: number
  /** The deadline of an /api/ request (after its body is read): past it the client gets a 503. */
  readonly requestTimeoutMs?: number
}

/**
 * The HTTP edge, in the order a request meets it: in-flight tracking (for a draining shutdown),
 * the envelope (request id, security headers, failures as JSON, metrics, log line), CORS, the
 * JSON body, the deadline, then the probes, the API routes and the docs. Each piece is its own
 * module under edge/.
 */
export const makeHttpApp = <R>(options: HttpOptions<R>) => {
  const { logger } = options
  const app = new Koa({ proxy: options.trustProxy })
  // Koa prints errors to stderr by default: a client hanging up (a closed watch or log follow) is
  // no error at all, anything else goes to the JSON log.
  app.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "ECONNRESET" || error.code === "EPIPE" || error.code === "ERR_STREAM_PREMATURE_CLOSE") return
    logger.error("http error", { error: String(error) })
  })
  const inFlight = makeInFlight()
  const metrics = makeHttpMetrics(options.registerMetrics)
  app.use(inFlight.middleware)
  // While draining, keep-alive clients are told to reconnect (to another replica).
  app.use(async (ctx, next) => {
    if (options.draining?.()) ctx.set("Connection", "close")
    await next()
  })
  app.use(envelope(logger, metrics))
  app.use(corsMiddleware(options.cors ?? corsPolicy([])))
  app.use(jsonOnly)
  app.use(jsonBody(options.bodyLimitBytes))
  if (options.requestTimeoutMs !== undefined) app.use(requestDeadline(options.requestTimeoutMs, inFlight.track, logger))

  const router = new Router()
  mountProbes(router, options, metrics, openApiDocument(options.routes as ReadonlyArray<Route<unknown>>))
  for (const r of options.routes) router[r.method](r.path, routeHandler(r, options))
  for (const extra of [...(options.extraRouters ?? []), makeDocsRouter()]) app.use(extra.routes())
  app.use(router.routes())
  app.use(router.allowedMethods({ throw: false }))
  /** What the API router serves (method and path), so a test can hold /openapi.json to it. */
  const served = () =>
    router.stack.flatMap((layer) =>
      layer.methods.filter((m) => m !== "HEAD").map((m) => ({ method: m.toLowerCase(), path: String(layer.path) }))
    )
  return { app, drained: inFlight.drained, served, metricsText: metrics.text }
}
