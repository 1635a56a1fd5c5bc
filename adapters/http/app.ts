import { createHash, randomUUID, timingSafeEqual } from "node:crypto"
import { Readable } from "node:stream"
import { bodyParser } from "@koa/bodyparser"
import Router from "@koa/router"
import { Cause, Chunk, Clock, Effect, Either, Exit, Option, ParseResult, Schema } from "effect"
import Koa from "koa"
import client from "prom-client"
import { authenticate, type Principal, requireAdministrator } from "../../application/accounts/useCases.ts"
import type { AccessTokens, RefreshTokens } from "../../application/ports/auth.ts"
import { IdempotencyStore } from "../../application/ports/idempotency.ts"
import type { Users } from "../../application/ports/users.ts"
import { canonicalEncode } from "../../application/shared/eventHash.ts"
import { type CorsPolicy, corsMiddleware, corsPolicy } from "./cors.ts"
import { makeDocsRouter } from "./docs.ts"
import { detailedMessages, detailsOf, errorEntryOf, errorTable, internalError, type MappedError, type MappedErrorTag, sentenceMessages } from "./errors.ts"
import { inspectInput, inspectQueryText } from "./inputGuard.ts"
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

interface Failure {
  readonly status: number
  readonly code: string
  readonly message: string
  readonly details?: unknown
}

class HttpFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message)
  }
}

const fail = (tag: MappedErrorTag, details?: unknown, message?: string): HttpFailure => {
  const entry = errorTable[tag]
  const text = message ?? detailedMessages[tag]?.(details) ?? entry.message
  return new HttpFailure({ ...entry, message: text, ...(details === undefined ? {} : { details }) })
}

/** Decodes one part of the request; a failure names every bad field. */
const decode = (schema: Schema.Schema<any, any> | undefined, value: unknown, where: string, unknownFields: "error" | "ignore" = "ignore") => {
  if (schema === undefined) return undefined
  const result = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: unknownFields })(value)
  if (Either.isRight(result)) return result.right
  const byField = new Map<string, string>()
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(result.left)) {
    const field = [where, ...issue.path.map(String)].join(".")
    const message = issue._tag === "Unexpected" ? "is not a field of this request" : issue.message
    if (!byField.has(field)) byField.set(field, message) // first reason per field is the useful one
  }
  const sentence = [...byField.values()].find((m) => sentenceMessages.has(m))
  throw fail("RequestInvalid", [...byField].map(([field, message]) => ({ field, message })), sentence)
}

/** A route without a body Schema takes no fields: any sent is refused by name (`{}` or no body is fine). */
const refuseBody = (body: unknown): undefined => {
  if (body === undefined || body === null) return undefined
  const fields = typeof body === "object" ? Object.keys(body) : ["(value)"]
  if (fields.length === 0) return undefined
  throw fail("RequestInvalid", fields.map((field) => ({ field: `body.${field}`, message: "is not a field of this request" })))
}

const requestIdPattern = /^[\w.-]{1,100}$/

export const makeHttpApp = <R>(options: HttpOptions<R>) => {
  const { run, logger } = options
  const app = new Koa({ proxy: options.trustProxy })
  // Koa prints errors to stderr by default: a client hanging up (a closed watch or log follow) is
  // no error at all, anything else goes to the JSON log.
  app.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "ECONNRESET" || error.code === "EPIPE" || error.code === "ERR_STREAM_PREMATURE_CLOSE") return
    logger.error("http error", { error: String(error) })
  })
  // In-flight requests (and work a deadline gave up waiting for), so shutdown can wait for them
  // even when their connection is gone.
  let inFlight = 0
  let onDrained: (() => void) | undefined
  const track = (work: Promise<unknown>) => {
    inFlight++
    const done = () => {
      inFlight--
      if (inFlight === 0) onDrained?.()
    }
    work.then(done, done)
    return work
  }
  app.use((_ctx, next) => track(next()))
  // While draining, keep-alive clients are told to reconnect (to another replica).
  app.use(async (ctx, next) => {
    if (options.draining?.()) ctx.set("Connection", "close")
    await next()
  })
  const registry = new client.Registry()
  client.collectDefaultMetrics({ register: registry })
  options.registerMetrics?.(registry)
  const requests = new client.Counter({
    name: "http_requests_total",
    help: "HTTP requests by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry]
  })
  const latency = new client.Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request latency",
    labelNames: ["method", "route"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry]
  })

  /** Runs a use case; typed failures become HTTP failures through the one table. */
  const execute = async <A>(effect: Effect.Effect<A, MappedError, R | EdgeServices>, requestId: string): Promise<A> => {
    const exit = await run(Effect.annotateLogs(effect, { requestId }))
    if (Exit.isSuccess(exit)) return exit.value
    const failure = Cause.failureOption(exit.cause)
    // Checked again at run time: a failure typed away by a cast must still be a 500, not a crash.
    if (Option.isSome(failure) && errorEntryOf(failure.value._tag) !== undefined) {
      throw fail(failure.value._tag, detailsOf(failure.value))
    }
    if (options.unavailable !== undefined && Chunk.some(Cause.defects(exit.cause), options.unavailable)) {
      logger.warn("dependency unavailable", { requestId, cause: Cause.pretty(exit.cause) })
      throw fail("DatabaseUnavailable", { retryAfterSeconds: 2 })
    }
    logger.error("unhandled failure", { requestId, cause: Cause.pretty(exit.cause) })
    throw new HttpFailure(internalError)
  }

  app.use(async (ctx, next) => {
    const started = performance.now()
    const incoming = ctx.get("x-request-id")
    const requestId = requestIdPattern.test(incoming) ? incoming : randomUUID()
    ctx.state["requestId"] = requestId
    ctx.set("X-Request-Id", requestId)
    setSecurityHeaders(ctx)
    try {
      await next()
      if (ctx.body === undefined && ctx.status === 404) throw fail("RouteNotFound")
      if (ctx.body === undefined && ctx.status === 405) throw fail("MethodNotAllowed", { method: ctx.method, allow: ctx.response.get("Allow") })
      if (ctx.body === undefined && ctx.status === 501) throw fail("MethodNotImplemented", { method: ctx.method })
    } catch (error) {
      const failure = toFailure(error)
      if (failure.status >= 500) logger.error("request failed", { requestId, error: String(error) })
      ctx.status = failure.status
      if (failure.status === 401) ctx.set("WWW-Authenticate", 'Bearer realm="MinisPod"')
      if ((failure.status === 429 || failure.status === 503) && typeof failure.details === "object" && failure.details !== null) {
        ctx.set("Retry-After", String((failure.details as { retryAfterSeconds?: number }).retryAfterSeconds ?? 60))
      }
      ctx.body = {
        success: false,
        message: failure.message,
        error: { code: failure.code, ...(failure.details === undefined ? {} : { details: failure.details }) }
      }
    }
    // The route template, never the raw path (ids would explode the metric's cardinality).
    const routeLabel = (ctx as { _matchedRoute?: string })._matchedRoute ?? "unmatched"
    const seconds = (performance.now() - started) / 1000
    requests.inc({ method: ctx.method, route: routeLabel, status: String(ctx.status) })
    latency.observe({ method: ctx.method, route: routeLabel }, seconds)
    logger.info("request", {
      requestId,
      method: ctx.method,
      path: ctx.path,
      route: routeLabel,
      status: ctx.status,
      durationMs: Math.round(seconds * 1000 * 10) / 10
    })
  })

  app.use(corsMiddleware(options.cors ?? corsPolicy([])))
  // JSON only: a body of another type is refused by name rather than misread as empty.
  app.use(async (ctx, next) => {
    const hasBody = ctx.get("content-length") !== "" && ctx.get("content-length") !== "0" || ctx.get("transfer-encoding") !== ""
    if (ctx.path.startsWith("/api/") && hasBody && !ctx.is("application/json", "application/*+json")) {
      throw fail("UnsupportedMediaType", { contentType: ctx.get("content-type") || null, expected: "application/json" })
    }
    return next()
  })

  app.use(bodyParser({
    enableTypes: ["json"],
    parsedMethods: ["POST", "PUT", "PATCH", "DELETE"],
    jsonLimit: options.bodyLimitBytes,
    encoding: "utf-8",
    onError: (error) => {
      const status = (error as { status?: number }).status
      throw status === 413
        ? fail("PayloadTooLarge", { limitBytes: options.bodyLimitBytes })
        : fail("RequestInvalid", [{ field: "body", message: "is not valid JSON" }])
    }
  }))

  // The request deadline: whatever the work waits on (a database that stopped answering keeps its
  // connections open and never errs), the client gets a 503 it can act on. The work itself goes
  // on — a money request may still commit — and its Idempotency-Key replay tells the outcome.
  if (options.requestTimeoutMs !== undefined) {
    const timeoutMs = options.requestTimeoutMs
    app.use(async (ctx, next) => {
      if (!ctx.path.startsWith("/api/")) return next()
      let timer: NodeJS.Timeout | undefined
      const deadline = new Promise<"timedOut">((resolve) => (timer = setTimeout(() => resolve("timedOut"), timeoutMs)))
      const work = next()
      const first = await Promise.race([work, deadline]).finally(() => clearTimeout(timer))
      if (first === "timedOut") {
        track(work)
        logger.warn("request deadline passed; its work goes on", { requestId: ctx.state["requestId"], method: ctx.method, path: ctx.path, timeoutMs })
        throw fail("RequestTimedOut", { retryAfterSeconds: 2 })
      }
    })
  }

  const router = new Router()
  router.get("/healthz", (ctx) => {
    ctx.body = { success: true, message: "ok", data: { status: "ok" } }
  })
  router.get("/readyz", async (ctx) => {
    if (options.draining?.()) {
      ctx.status = 503
      ctx.body = { success: false, message: "shutting down", error: { code: "INTERNAL", details: { shuttingDown: true } } }
      return
    }
    const ready = await options.ready().catch(() => false)
    ctx.status = ready ? 200 : 503
    ctx.body = ready
      ? { success: true, message: "ready", data: { database: "ok" } }
      : { success: false, message: "not ready", error: { code: "INTERNAL", details: { database: "unreachable" } } }
  })
  if (options.metrics?.served !== false) {
    router.get("/metrics", async (ctx) => {
      const token = options.metrics?.token
      if (token !== undefined && !bearerMatches(ctx.get("authorization"), token)) throw fail("Unauthenticated", { reason: "metrics token required" })
      ctx.type = registry.contentType
      ctx.body = await registry.metrics()
    })
  }
  const openapi = openApiDocument(options.routes as ReadonlyArray<Route<unknown>>)
  router.get("/openapi.json", (ctx) => {
    ctx.body = openapi
  })

  for (const r of options.routes) {
    router[r.method](r.path, async (ctx) => {
      const requestId = ctx.state["requestId"] as string
      let principal: Principal | undefined
      if (r.access !== "public") {
        const header = ctx.get("authorization")
        const token = /^Bearer ([\w.-]+)$/.exec(header)?.[1]
        if (token === undefined) throw fail("Unauthenticated", { reason: "missing bearer token" })
        principal = await execute(authenticate(token), requestId)
        if (r.access === "admin") await execute(requireAdministrator(principal), requestId)
      }
      for (const problem of [
        inspectQueryText(ctx.querystring),
        inspectInput(ctx.params, "params"),
        inspectInput(ctx.query, "query"),
        inspectInput(ctx.request.body, "body")
      ]) {
        if (problem !== undefined) throw fail("RequestInvalid", [problem])
      }
      const params = decode(r.params, ctx.params, "params")
      const query = decode(r.query, ctx.query, "query")
      // An unknown body field is refused by name (a misspelt field must not be a silent 200).
      const body = r.body === undefined ? refuseBody(ctx.request.body) : decode(r.body, ctx.request.body ?? {}, "body", r.acceptsUnknownFields ? "ignore" : "error")
      const idempotencyKey = r.idempotent ? ctx.get("idempotency-key") || undefined : undefined
      if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
        throw fail("RequestInvalid", [{ field: "headers.idempotency-key", message: "must be 1-255 visible ASCII characters" }])
      }
      const handle = () =>
        execute(r.handle({
          params,
          query,
          body,
          principal: principal!,
          requestId,
          clientAddress: ctx.ip,
          idempotencyKey
        }), requestId).then((reply) => {
          if (options.checkResponses && r.response !== undefined) checkResponse(r.response, reply.data, `${r.method} ${r.path}`)
          return reply
        })

      if (idempotencyKey === undefined) {
        const reply = await handle()
        ctx.status = reply.status ?? 200
        if (reply.raw) {
          ctx.type = reply.raw.contentType
          if (reply.raw.headers) ctx.set(reply.raw.headers)
          const body = reply.raw.body
          ctx.body = typeof body === "string" ? body : body instanceof Uint8Array ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : Readable.from(body)
          return
        }
        ctx.body = { success: true, message: reply.message, data: reply.data }
        return
      }
      const scope = `${principal?.userId ?? "anonymous"} ${r.method.toUpperCase()} ${ctx.path}`
      const requestHash = createHash("sha256").update(canonicalEncode(ctx.request.body ?? null)).digest("hex")
      // A duplicate arriving while the first is in flight waits briefly for its outcome.
      const claimOnce = Effect.flatMap(
        Effect.zip(IdempotencyStore, Clock.currentTimeMillis),
        ([store, now]) => store.claim(scope, idempotencyKey, requestHash, new Date(now))
      )
      const waitMs = options.idempotencyWaitMs ?? 5_000
      const claim = await execute(Effect.gen(function*() {
        const started = yield* Clock.currentTimeMillis
        for (;;) {
          const outcome = yield* claimOnce
          if (outcome._tag !== "InProgress" || (yield* Clock.currentTimeMillis) - started >= waitMs) return outcome
          yield* Effect.sleep("50 millis")
        }
      }), requestId)
      if (claim._tag === "Mismatch") throw fail("IdempotencyKeyReused")
      if (claim._tag === "InProgress") throw fail("IdempotencyKeyInProgress")
      if (claim._tag === "Replay") {
        ctx.status = claim.status
        ctx.set("Idempotent-Replayed", "true")
        ctx.type = "application/json"
        ctx.body = claim.body // the first response's very bytes
        return
      }
      try {
        const reply = await handle()
        const status = reply.status ?? 200
        const responseBody = JSON.stringify({ success: true, message: reply.message, data: reply.data })
        await execute(Effect.flatMap(IdempotencyStore, (s) => s.complete(scope, idempotencyKey, status, responseBody)), requestId)
        ctx.status = status
        ctx.type = "application/json"
        ctx.body = responseBody
      } catch (error) {
        // Only successes are replayed; a failed attempt frees the key for a retry.
        await execute(Effect.flatMap(IdempotencyStore, (s) => s.release(scope, idempotencyKey)), requestId).catch(() => undefined)
        throw error
      }
    })
  }
  for (const extra of [...options.extraRouters ?? [], makeDocsRouter()]) app.use(extra.routes())
  app.use(router.routes())
  app.use(router.allowedMethods({ throw: false }))
  const drained = () =>
    inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => {
      onDrained = resolve
    })
  /** The Prometheus text, for a metrics listener on a port of its own. */
  const metricsText = async () => ({ contentType: registry.contentType, body: await registry.metrics() })
  /** What the API router serves (method and path), so a test can hold /openapi.json to it. */
  const served = () => router.stack.flatMap((layer) => layer.methods.filter((m) => m !== "HEAD").map((m) => ({ method: m.toLowerCase(), path: String(layer.path) })))
  return { app, drained, served, metricsText }
}

/** The data as a client receives it (JSON) must decode with the route's documented Schema. */
const checkResponse = (schema: Schema.Schema<any, any>, data: unknown, route: string) => {
  const result = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "ignore" })(JSON.parse(JSON.stringify(data) ?? "null"))
  if (Either.isLeft(result)) {
    throw new Error(`${route}: response does not match its documented schema: ${ParseResult.TreeFormatter.formatErrorSync(result.left)}`)
  }
}

const bearerMatches = (header: string, token: string) => {
  const given = Buffer.from(/^Bearer (.+)$/.exec(header)?.[1] ?? "")
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/**
 * On every response: no MIME sniffing, no framing, no referrer leaks, HSTS over TLS, and
 * never cached (API answers are per user and may carry tokens or credentials).
 */
const setSecurityHeaders = (ctx: Koa.Context) => {
  ctx.set("X-Content-Type-Options", "nosniff")
  ctx.set("X-Frame-Options", "DENY")
  ctx.set("Content-Security-Policy", "frame-ancestors 'none'")
  ctx.set("Referrer-Policy", "no-referrer")
  ctx.set("Cross-Origin-Resource-Policy", "same-origin")
  ctx.set("Cache-Control", "no-store")
  if (ctx.secure) ctx.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
}

const toFailure = (error: unknown): Failure => {
  if (error instanceof HttpFailure) return error.failure
  const status = (error as { status?: number; expose?: boolean }).status
  if (typeof status === "number" && status >= 400 && status < 500) {
    return { status, code: "VALIDATION_FAILED", message: "Bad request" }
  }
  return internalError
}
