import { bodyParser } from "@koa/bodyparser"
import type Koa from "koa"
import type { HttpLogger } from "../app.ts"
import { fail } from "./failure.ts"

/** JSON only: a body of another type is refused by name rather than misread as empty. */
export const jsonOnly: Koa.Middleware = async (ctx, next) => {
  const hasBody =
    (ctx.get("content-length") !== "" && ctx.get("content-length") !== "0") || ctx.get("transfer-encoding") !== ""
  if (ctx.path.startsWith("/api/") && hasBody && !ctx.is("application/json", "application/*+json")) {
    throw fail("UnsupportedMediaType", { contentType: ctx.get("content-type") || null, expected: "application/json" })
  }
  return next()
}

/** The JSON body, at most `limitBytes`; too large is a 413, malformed a 400 naming the body. */
export const jsonBody = (limitBytes: number) =>
  bodyParser({
    enableTypes: ["json"],
    parsedMethods: ["POST", "PUT", "PATCH", "DELETE"],
    jsonLimit: limitBytes,
    encoding: "utf-8",
    onError: (error) => {
      const status = (error as { status?: number }).status
      throw status === 413
        ? fail("PayloadTooLarge", { limitBytes })
        : fail("RequestInvalid", [{ field: "body", message: "is not valid JSON" }])
    }
  })

/**
 * The request deadline: whatever the work waits on (a database that stopped answering keeps its
 * connections open and never errs), the client gets a 503 it can act on. The work itself goes
 * on — a money request may still commit — and its Idempotency-Key replay tells the outcome.
 */
export const requestDeadline =
  (timeoutMs: number, track: (work: Promise<unknown>) => unknown, logger: HttpLogger): Koa.Middleware =>
  async (ctx, next) => {
    if (!ctx.path.startsWith("/api/")) return next()
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<"timedOut">((resolve) => (timer = setTimeout(() => resolve("timedOut"), timeoutMs)))
    const work = next()
    const first = await Promise.race([work, deadline]).finally(() => clearTimeout(timer))
    if (first === "timedOut") {
      track(work)
      logger.warn("request deadline passed; its work goes on", {
        requestId: ctx.state["requestId"],
        method: ctx.method,
        path: ctx.path,
        timeoutMs
      })
      throw fail("RequestTimedOut", { retryAfterSeconds: 2 })
    }
  }
