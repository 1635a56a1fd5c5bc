import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { makeHttpApp } from "../../adapters/http/app.ts"
import { ok, route } from "../../adapters/http/route.ts"

const silent = { info: () => {}, warn: () => {}, error: () => {} }
let listening: Server | undefined
afterEach(() => listening?.close())

/** The edge with one public route whose work finishes only when the test says so. */
const edge = async (options: { readonly requestTimeoutMs?: number; readonly trustProxy?: boolean } = {}) => {
  let finish: () => void = () => {}
  const finished = new Promise<void>((resolve) => (finish = resolve))
  let ran = false
  const slow = route({
    method: "post",
    path: "/api/slow",
    summary: "slow",
    tag: "test",
    access: "public",
    handle: () => Effect.promise(() => finished).pipe(Effect.map(() => ((ran = true), ok("done", { done: true }))))
  })
  const { app, drained } = makeHttpApp({
    routes: [slow],
    run: (effect) => Effect.runPromiseExit(effect as Effect.Effect<any, any, never>),
    logger: silent,
    bodyLimitBytes: 1000,
    trustProxy: options.trustProxy ?? false,
    ready: async () => true,
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs })
  })
  listening = createServer(app.callback())
  await new Promise<void>((resolve) => listening!.listen(0, "127.0.0.1", resolve))
  const url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`
  return { url, finish, drained, ran: () => ran }
}

describe("the request deadline", () => {
  it("answers 503 with the envelope and Retry-After when the work outlives it; the work goes on and shutdown waits for it", async () => {
    const { url, finish, drained, ran } = await edge({ requestTimeoutMs: 50 })
    const response = await fetch(`${url}/api/slow`, { method: "POST" })
    expect(response.status).toBe(503)
    expect(response.headers.get("retry-after")).toBe("2")
    expect(await response.json()).toMatchObject({
      success: false,
      error: { code: "SERVICE_UNAVAILABLE", details: { retryAfterSeconds: 2 } }
    })
    let drainedYet = false
    const draining = drained().then(() => (drainedYet = true))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(drainedYet).toBe(false) // the abandoned work still counts as in flight
    finish()
    await draining
    expect(ran()).toBe(true)
  })

  it("leaves work that finishes in time alone", async () => {
    const { url, finish } = await edge({ requestTimeoutMs: 60_000 })
    finish()
    const response = await fetch(`${url}/api/slow`, { method: "POST" })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ data: { done: true } })
  })
})

describe("security headers", () => {
  it("sends HSTS only over TLS (behind a trusted proxy: X-Forwarded-Proto https)", async () => {
    const { url, finish } = await edge({ trustProxy: true })
    finish()
    const tls = await fetch(`${url}/healthz`, { headers: { "x-forwarded-proto": "https" } })
    expect(tls.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains")
    expect((await fetch(`${url}/healthz`)).headers.get("strict-transport-security")).toBeNull()
  })
})
