import { timingSafeEqual } from "node:crypto"
import type Router from "@koa/router"
import { fail } from "./failure.ts"
import type { HttpMetrics } from "./httpMetrics.ts"

export interface ProbeOptions {
  readonly ready: () => Promise<boolean>
  readonly draining?: (() => boolean) | undefined
  readonly metrics?: { readonly served: boolean; readonly token?: string | undefined } | undefined
}

/** /healthz (the process answers), /readyz (the database does, and no shutdown began), /metrics, /openapi.json. */
export const mountProbes = (router: Router, options: ProbeOptions, metrics: HttpMetrics, openapi: unknown) => {
  router.get("/healthz", (ctx) => {
    ctx.body = { success: true, message: "ok", data: { status: "ok" } }
  })
  router.get("/readyz", async (ctx) => {
    if (options.draining?.()) {
      ctx.status = 503
      ctx.body = {
        success: false,
        message: "shutting down",
        error: { code: "INTERNAL", details: { shuttingDown: true } }
      }
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
      if (token !== undefined && !bearerMatches(ctx.get("authorization"), token))
        throw fail("Unauthenticated", { reason: "metrics token required" })
      const { contentType, body } = await metrics.text()
      ctx.type = contentType
      ctx.body = body
    })
  }
  router.get("/openapi.json", (ctx) => {
    ctx.body = openapi
  })
}

const bearerMatches = (header: string, token: string) => {
  const given = Buffer.from(/^Bearer (.+)$/.exec(header)?.[1] ?? "")
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
