import { once } from "node:events"
import type { AddressInfo } from "node:net"
import Koa from "koa"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { envelope } from "../../adapters/http/edge/envelope.ts"
import { makeHttpMetrics } from "../../adapters/http/edge/httpMetrics.ts"

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined }
let server: ReturnType<Koa["listen"]>
let base: string

beforeAll(async () => {
  // Behind a TLS-terminating proxy (TRUST_PROXY): X-Forwarded-Proto says whether the client used TLS.
  const app = new Koa({ proxy: true })
  app.use(envelope(quiet, makeHttpMetrics()))
  app.use((ctx) => {
    ctx.body = { ok: true }
  })
  server = app.listen(0, "127.0.0.1")
  await once(server, "listening")
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((done) => server.close(() => done())))

describe("security headers of the envelope", () => {
  it("sends HSTS only over TLS, and the other headers on every response", async () => {
    const overTls = await fetch(base, { headers: { "x-forwarded-proto": "https" } })
    expect(overTls.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains")
    const plain = await fetch(base)
    expect(plain.headers.get("strict-transport-security")).toBeNull()
    for (const response of [overTls, plain]) {
      expect(response.headers.get("x-content-type-options")).toBe("nosniff")
      expect(response.headers.get("x-frame-options")).toBe("DENY")
      expect(response.headers.get("cache-control")).toBe("no-store")
      expect(response.headers.get("referrer-policy")).toBe("no-referrer")
    }
  })
})
