import Router from "@koa/router"
import type { DevClock } from "../postgres/devClock.ts"

export const devClockPrefix = "/dev/clock"

const maxDays = 3_650

/** `{"days": n}` or `{"seconds": n}`: exactly one, a positive integer (never backward). */
const parseAdvance = (body: unknown): { ms: number } | { field: string; message: string } => {
  const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>
  const given = ["days", "seconds"].filter((k) => b[k] !== undefined)
  if (given.length !== 1) return { field: "days", message: "give exactly one of days or seconds" }
  const field = given[0]!
  const value = b[field]
  const max = field === "days" ? maxDays : maxDays * 86_400
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > max) {
    return { field, message: `must be an integer from 1 to ${max}` }
  }
  return { ms: value * (field === "days" ? 86_400_000 : 1_000) }
}

/**
 * POST /dev/clock/advance, GET /dev/clock. Mounted only when the development clock is on. After
 * an advance the time-driven jobs run at once (`afterAdvance`), as their ticks would have.
 */
export const makeDevClockRouter = (clock: DevClock, afterAdvance: () => Promise<unknown>) => {
  const router = new Router({ prefix: devClockPrefix })
  // Both shapes: the API envelope, and `now` at the top as API.md writes it.
  const reply = (now: Date, extra: Record<string, unknown> = {}) => ({
    success: true,
    message: "Development clock",
    data: { now: now.toISOString(), ...extra },
    now: now.toISOString()
  })
  router.get("/", (ctx) => {
    ctx.body = reply(clock.now())
  })
  router.post("/advance", async (ctx) => {
    const parsed = parseAdvance(ctx.request.body)
    if ("field" in parsed) {
      ctx.status = 400
      ctx.body = {
        success: false,
        message: "Request validation failed",
        error: { code: "VALIDATION_FAILED", details: [parsed] }
      }
      return
    }
    const now = await clock.advance(parsed.ms)
    const jobs = await afterAdvance()
    ctx.body = reply(now, { jobs })
  })
  return router
}
