import type Koa from "koa"

const allowedHeaders = "Authorization, Content-Type, Idempotency-Key, X-Request-Id"
const exposedHeaders = "X-Request-Id, Idempotent-Replayed, Retry-After, WWW-Authenticate"
const allowedMethods = "GET, POST, PUT, DELETE"

/**
 * The origins a browser may call from (CORS_ORIGINS): exact origins, or `*` for any origin —
 * which is then answered without credentials, as the Fetch standard requires.
 */
export interface CorsPolicy {
  readonly allows: (origin: string) => boolean
  readonly any: boolean
}

export const corsPolicy = (origins: ReadonlyArray<string>): CorsPolicy => {
  const exact = new Set(origins.filter((o) => o !== "*"))
  const any = origins.includes("*")
  return { any, allows: (origin) => any || exact.has(origin) }
}

/** CORS headers for allowed origins; preflights answered here (204), refused ones with 403. */
export const corsMiddleware =
  (policy: CorsPolicy): Koa.Middleware =>
  async (ctx, next) => {
    const origin = ctx.get("origin")
    if (origin === "") return next()
    ctx.vary("Origin")
    const preflight = ctx.method === "OPTIONS" && ctx.get("access-control-request-method") !== ""
    if (!policy.allows(origin)) {
      if (!preflight) return next() // the browser withholds the response from the page
      ctx.status = 403
      ctx.body = { success: false, message: "Origin not allowed", error: { code: "FORBIDDEN" } }
      return
    }
    if (policy.any) {
      ctx.set("Access-Control-Allow-Origin", "*")
    } else {
      ctx.set("Access-Control-Allow-Origin", origin)
      ctx.set("Access-Control-Allow-Credentials", "true")
    }
    if (preflight) {
      ctx.set("Access-Control-Allow-Methods", allowedMethods)
      ctx.set("Access-Control-Allow-Headers", allowedHeaders)
      ctx.set("Access-Control-Max-Age", "600")
      ctx.status = 204
      return
    }
    ctx.set("Access-Control-Expose-Headers", exposedHeaders)
    return next()
  }
