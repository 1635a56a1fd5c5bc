import { randomUUID } from "node:crypto"
import type Koa from "koa"
import type { HttpLogger } from "../app.ts"
import { fail, toFailure } from "./failure.ts"
import type { HttpMetrics } from "./httpMetrics.ts"

const requestIdPattern = /^[\w.-]{1,100}$/

/**
 * Around every request: its id, the security headers, any failure turned into the JSON envelope
 * (with WWW-Authenticate and Retry-After where they apply), then one metric and one log line.
 */
export const envelope =
  (logger: HttpLogger, metrics: HttpMetrics): Koa.Middleware =>
  async (ctx, next) => {
    const started = performance.now()
    const incoming = ctx.get("x-request-id")
    const requestId = requestIdPattern.test(incoming) ? incoming : randomUUID()
    ctx.state["requestId"] = requestId
    ctx.set("X-Request-Id", requestId)
    setSecurityHeaders(ctx)
    try {
      await next()
      if (ctx.body === undefined && ctx.status === 404) throw fail("RouteNotFound")
      if (ctx.body === undefined && ctx.status === 405)
        throw fail("MethodNotAllowed", { method: ctx.method, allow: ctx.response.get("Allow") })
      if (ctx.body === undefined && ctx.status === 501) throw fail("MethodNotImplemented", { method: ctx.method })
    } catch (error) {
      const failure = toFailure(error)
      if (failure.status >= 500) logger.error("request failed", { requestId, error: String(error) })
      ctx.status = failure.status
      if (failure.status === 401) ctx.set("WWW-Authenticate", 'Bearer realm="MinisPod"')
      if (
        (failure.status === 429 || failure.status === 503) &&
        typeof failure.details === "object" &&
        failure.details !== null
      ) {
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
    metrics.observe(ctx.method, routeLabel, ctx.status, seconds)
    logger.info("request", {
      requestId,
      method: ctx.method,
      path: ctx.path,
      route: routeLabel,
      status: ctx.status,
      durationMs: Math.round(seconds * 1000 * 10) / 10
    })
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
