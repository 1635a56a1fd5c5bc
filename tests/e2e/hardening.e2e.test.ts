import { createHash } from "node:crypto"
import { SignJWT } from "jose"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { WebSocket } from "ws"
import { closeCodes, logsProtocol } from "../../adapters/ws/logs.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { fromAddress } from "../support/fromAddress.ts"
import { api, balanceOf, type StartedServer, startServer } from "../support/server.ts"

let db: TestDatabase
let server: StartedServer
let http: ReturnType<typeof api>
const jwtSecret = "hardening-e2e-secret-hardening-e2e-secret"
const serverKey = "SB-Mid-server-hardening-e2e"
const metricsToken = "metrics-token-hardening-e2e"
const admin = { email: "root@hardening.test", password: "root-password-hardening" }
let adminAccess: string

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false })
  server = await startServer({
    DATABASE_URL: db.url,
    JWT_SECRET: jwtSecret,
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    LOGIN_RATE_MAX_PER_ACCOUNT: "3",
    REGISTER_RATE_MAX_PER_ADDRESS: "3",
    PASSWORD_CHANGE_MAX_FAILURES: "2",
    MIDTRANS_SERVER_KEY: serverKey,
    MIDTRANS_CONFIRM_STATUS: "false",
    METRICS_TOKEN: metricsToken,
    LOG_STREAMS_PER_USER: "2",
    LOG_STREAM_RECHECK_SECONDS: "1",
    SIM_CLUSTER_READY_MS: "100",
    PROVISIONING_POLL_MS: "100"
  })
  http = api(server.baseUrl)
  adminAccess = (await http.post("/api/auth/login", admin)).body.data.accessToken
})
afterAll(async () => {
  expect(await server.stop()).toBe(0)
  await db.drop()
})

let counter = 0
/** An account made by the administrator (no registration throttle), logged in from 127.0.0.1. */
const account = async (label: string, credit = 0) => {
  const email = `${label}-${Date.now()}-${++counter}@hardening.test`
  const password = `pw-${label}-long-enough`
  const created = await http.post("/api/admin/users", { name: label, email, password }, adminAccess)
  expect(created.status).toBe(201)
  if (credit > 0)
    await http.post(
      `/api/admin/users/${created.body.data.id}/credit-adjustment`,
      { amount: credit, reason: "test" },
      adminAccess
    )
  const session = (await http.post("/api/auth/login", { email, password })).body.data
  return {
    id: created.body.data.id as string,
    email,
    password,
    token: session.accessToken as string,
    refreshToken: session.refreshToken as string
  }
}

const writes = async () => {
  const [row] = await db.sql<
    Array<Record<string, number>>
  >`select (select count(*) from events)::int as events, (select count(*) from users)::int as users`
  return row!
}

describe("bad input is a 4xx naming the field, never a 500", () => {
  it("refuses NUL bytes, lone surrogates and deep nesting anywhere, and writes nothing", async () => {
    const user = await account("nul")
    const before = await writes()
    const login = await http.post("/api/auth/login", { email: "a\u0000b@example.com", password: "x" })
    expect(login.status).toBe(400)
    expect(login.body.error.details).toEqual([{ field: "body.email", message: "must not contain NUL characters" }])
    expect((await http.get("/api/admin/users?q=%00", adminAccess)).body.error.details[0].field).toBe("query.q")
    expect((await http.get("/api/catalog/services?search=a%00", adminAccess)).status).toBe(400)
    expect((await http.put("/api/auth/profile", { name: "x\uD800" }, user.token)).status).toBe(400)
    const deep = `{"name":${"[".repeat(20_000)}${"]".repeat(20_000)}}`
    const nested = await http.raw("PUT", "/api/auth/profile", deep, user.token)
    expect(nested.status).toBe(400)
    expect(nested.body.error.details[0].message).toMatch(/nests deeper/)
    const keyed = await fetch(`${server.baseUrl}/api/wallet/topup`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${user.token}`,
        "idempotency-key": "deep-1"
      },
      body: `{"amount":50000,"paymentMethod":"QRIS","extra":${"[".repeat(40_000)}${"]".repeat(40_000)}}`
    })
    expect(keyed.status).toBe(400)
    expect(await writes()).toEqual(before)
  })

  it("reports what validate finds with the API's error codes, never internal tags", async () => {
    const user = await account("validate")
    const validation = await http.post(
      "/api/subscriptions/validate",
      { planId: "90000000-0000-4000-8000-000000000002" },
      user.token
    )
    expect(validation.status).toBe(200)
    expect(validation.body.data).toMatchObject({
      valid: false,
      errors: [expect.objectContaining({ code: "INSUFFICIENT_CREDIT" })]
    })
    expect(JSON.stringify(validation.body)).not.toMatch(/_tag|InsufficientCredit/)
  })

  it("matches LIKE wildcards literally", async () => {
    await account("wild")
    const everything = await http.get("/api/admin/users?q=%25", adminAccess)
    expect(everything.status).toBe(200)
    expect(everything.body.data.pagination.total).toBe(0) // no name, email or phone contains "%"
    expect((await http.get("/api/admin/users?q=_", adminAccess)).body.data.pagination.total).toBe(0)
  })
})

describe("authentication strangers cannot turn against users", () => {
  it("wrong passwords from many addresses never lock the owner out; one address backs off alone", async () => {
    for (let i = 11; i <= 21; i++) {
      expect(
        (
          await fromAddress(server.baseUrl, `127.0.0.${i}`)("POST", "/api/auth/login", {
            email: admin.email,
            password: "guess-guess"
          })
        ).status
      ).toBe(401)
    }
    expect((await fromAddress(server.baseUrl, "127.0.0.2")("POST", "/api/auth/login", admin)).status).toBe(200)
    expect((await fromAddress(server.baseUrl, "127.0.0.11")("POST", "/api/auth/login", admin)).status).toBe(200)
    // One address guessing: past 3 failures it waits, with Retry-After; the owner elsewhere does not.
    const guesser = fromAddress(server.baseUrl, "127.0.0.30")
    const statuses: Array<number> = []
    for (let i = 0; i < 5; i++)
      statuses.push((await guesser("POST", "/api/auth/login", { email: admin.email, password: "guess-guess" })).status)
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401])
    expect(statuses[4]).toBe(429)
    const limited = await guesser("POST", "/api/auth/login", admin)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0)
    expect((await fromAddress(server.baseUrl, "127.0.0.31")("POST", "/api/auth/login", admin)).status).toBe(200)
  })

  it("never counts successful logins", async () => {
    const busy = fromAddress(server.baseUrl, "127.0.0.32")
    for (let i = 0; i < 5; i++) expect((await busy("POST", "/api/auth/login", admin)).status).toBe(200)
  })

  it("throttles registration per address and refuses weak passwords and look-alike emails", async () => {
    const from = fromAddress(server.baseUrl, "127.0.0.40")
    const email = (n: number) => `reg-${Date.now()}-${n}@hardening.test`
    const weak = await Promise.all(
      ["12345678", "password", "        "].map((password) =>
        fromAddress(server.baseUrl, "127.0.0.41")("POST", "/api/auth/register", {
          name: "Weak",
          email: email(0),
          password
        })
      )
    )
    expect(weak.map((r) => [r.status, r.body.error.details[0].field])).toEqual([
      [400, "password"],
      [400, "password"],
      [400, "password"]
    ])
    const same = await fromAddress(server.baseUrl, "127.0.0.42")("POST", "/api/auth/register", {
      name: "Same",
      email: "samesame@hardening.test",
      password: "samesame@hardening.test"
    })
    expect(same.body.error.details[0]).toEqual({ field: "password", message: "must not be your email address" })
    const zeroWidth = await fromAddress(server.baseUrl, "127.0.0.43")("POST", "/api/auth/register", {
      name: "Zw",
      email: "ad\u200bmin@hardening.test",
      password: "long enough pw"
    })
    expect(zeroWidth.status).toBe(400)
    expect(zeroWidth.body.error.details[0].field).toBe("body.email")
    const local = `nfkc${Date.now()}`
    const fullWidth = await fromAddress(server.baseUrl, "127.0.0.44")("POST", "/api/auth/register", {
      name: "Wide",
      email: `${[...local].map((c) => (/[a-z]/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join("")}@hardening.test`,
      password: "long enough pw"
    })
    expect(fullWidth.status).toBe(201)
    expect(fullWidth.body.data.user.email).toBe(`${local}@hardening.test`)
    expect(
      (
        await fromAddress(server.baseUrl, "127.0.0.44")("POST", "/api/auth/register", {
          name: "Twin",
          email: `${local}@hardening.test`,
          password: "long enough pw"
        })
      ).status
    ).toBe(409)

    const statuses: Array<number> = []
    for (let n = 1; n <= 4; n++)
      statuses.push(
        (await from("POST", "/api/auth/register", { name: "Reg", email: email(n), password: "long enough pw" })).status
      )
    expect(statuses).toEqual([201, 201, 201, 429])
  })

  it('counts a registration answered 409 "already registered" against the address (it is a lookup of an account)', async () => {
    const taken = { name: "Taken", email: `taken-${Date.now()}@hardening.test`, password: "long enough pw" }
    expect((await fromAddress(server.baseUrl, "127.0.0.46")("POST", "/api/auth/register", taken)).status).toBe(201)
    const prober = fromAddress(server.baseUrl, "127.0.0.45")
    const statuses: Array<number> = []
    for (let n = 0; n < 3; n++) statuses.push((await prober("POST", "/api/auth/register", taken)).status)
    const fresh = await prober("POST", "/api/auth/register", { ...taken, email: `fresh-${Date.now()}@hardening.test` })
    expect([...statuses, fresh.status]).toEqual([409, 409, 409, 429])
    expect(Number(fresh.headers.get("retry-after"))).toBeGreaterThan(0)
  })

  it("throttles password changes (an online guess with a stolen access token)", async () => {
    const user = await account("pwchange")
    const statuses: Array<number> = []
    for (let i = 0; i < 4; i++)
      statuses.push(
        (
          await http.put(
            "/api/auth/password",
            { currentPassword: `guess-${i}`, newPassword: "a new long password" },
            user.token
          )
        ).status
      )
    expect(statuses).toEqual([400, 400, 400, 429])
  })

  it("ends sessions for real: after logout and password change the old access token is refused", async () => {
    const user = await account("session")
    const second = (await http.post("/api/auth/login", { email: user.email, password: user.password })).body.data
    expect((await http.get("/api/auth/profile", user.token)).status).toBe(200)
    expect((await http.post("/api/auth/logout", { refreshToken: user.refreshToken })).status).toBe(200)
    const started = Date.now()
    await expect
      .poll(async () => (await http.get("/api/auth/profile", user.token)).status, { interval: 50, timeout: 10_000 })
      .toBe(401)
    process.stdout.write(`revoked session refused after ${Date.now() - started} ms (same process)\n`)
    expect((await http.get("/api/auth/profile", second.accessToken)).status).toBe(200)
    const third = (await http.post("/api/auth/login", { email: user.email, password: user.password })).body.data
    expect(
      (
        await http.put(
          "/api/auth/password",
          { currentPassword: user.password, newPassword: "another long password" },
          second.accessToken
        )
      ).status
    ).toBe(200)
    expect((await http.get("/api/auth/profile", third.accessToken)).status).toBe(401)
    expect((await http.get("/api/auth/profile", second.accessToken)).status).toBe(200)
  })

  it("refuses a validly signed token without an expiry", async () => {
    const user = await account("noexp")
    const claims = JSON.parse(Buffer.from(user.token.split(".")[1]!, "base64url").toString())
    const key = new TextEncoder().encode(jwtSecret)
    const sign = (withExpiry: boolean) => {
      const jwt = new SignJWT({ role: claims.role, sid: claims.sid })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(claims.sub)
        .setIssuer(claims.iss)
        .setAudience(claims.aud)
        .setIssuedAt()
      return (withExpiry ? jwt.setExpirationTime("5m") : jwt).sign(key)
    }
    expect((await http.get("/api/auth/profile", await sign(true))).status).toBe(200)
    expect((await http.get("/api/auth/profile", await sign(false))).status).toBe(401)
  })

  it("gives two tabs refreshing the same token at once the same new pair, and keeps the session", async () => {
    const user = await account("tabs")
    const [a, b] = await Promise.all(
      [1, 2].map(() => http.post("/api/auth/refresh", { refreshToken: user.refreshToken }))
    )
    expect([a!.status, b!.status]).toEqual([200, 200])
    expect(b!.body.data.refreshToken).toBe(a!.body.data.refreshToken)
    expect(b!.body.data.accessToken).toBe(a!.body.data.accessToken)
    expect((await http.post("/api/auth/refresh", { refreshToken: a!.body.data.refreshToken })).status).toBe(200)
  })
})

describe("HTTP hardening", () => {
  it("sets security headers and no-store, and guards /metrics with its token", async () => {
    const login = await http.post("/api/auth/login", admin)
    expect(login.headers.get("cache-control")).toBe("no-store")
    expect(login.headers.get("x-content-type-options")).toBe("nosniff")
    expect(login.headers.get("x-frame-options")).toBe("DENY")
    expect(login.headers.get("referrer-policy")).toBe("no-referrer")
    expect(login.headers.get("strict-transport-security")).toBeNull() // plain HTTP here
    expect((await http.get("/metrics")).status).toBe(401)
    expect((await http.get("/metrics", metricsToken)).body).toMatch(/http_requests_total/)
  })

  it("lets a duplicate Idempotency-Key in flight wait for the first outcome instead of a 409", async () => {
    const user = await account("idem")
    const path = `/api/admin/users/${user.id}/credit-adjustment`
    const key = { "idempotency-key": `dup-${user.id}` }
    const responses = await Promise.all(
      [1, 2, 3].map(() => http.post(path, { amount: 10_000, reason: "parallel" }, adminAccess, key))
    )
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201])
    expect(responses.filter((r) => r.headers.get("idempotent-replayed") === "true")).toHaveLength(2)
    expect(await balanceOf(http, user.token)).toBe(10_000)
  })
})

describe("configuration that cannot be turned against the ledger", () => {
  it("with MIDTRANS_CONFIRM_STATUS=false applies only what the signature covers", async () => {
    expect(server.output()).toMatch(/WARNING: MIDTRANS_CONFIRM_STATUS=false/)
    const user = await account("midtrans")
    const topUp = (await http.post("/api/wallet/topup", { amount: 50_000, paymentMethod: "QRIS" }, user.token)).body
      .data
    const notify = (transaction_status: string, status_code = "200") => {
      const body = {
        order_id: topUp.transactionId,
        status_code,
        gross_amount: "50000.00",
        transaction_status,
        fraud_status: "accept",
        payment_type: "qris",
        transaction_id: "t-1"
      }
      const signature_key = createHash("sha512")
        .update(`${body.order_id}${body.status_code}${body.gross_amount}${serverKey}`)
        .digest("hex")
      return http.post("/api/webhooks/midtrans", { ...body, signature_key })
    }
    expect((await notify("settlement")).status).toBe(200)
    expect(await balanceOf(http, user.token)).toBe(50_000)
    // The same signed fields replayed as a refund or a chargeback: the signature does not cover that.
    expect((await notify("refund")).status).toBe(200)
    expect((await notify("chargeback")).status).toBe(200)
    expect(await balanceOf(http, user.token)).toBe(50_000)
  })
})

describe("log streams end with the session", () => {
  const open = (instanceId: string, token: string) =>
    new Promise<{ status: number; ws?: WebSocket }>((resolve, reject) => {
      const ws = new WebSocket(`${server.baseUrl.replace("http", "ws")}/ws/logs?instanceId=${instanceId}`, [
        logsProtocol,
        `bearer.${token}`
      ])
      ws.on("unexpected-response", (_req, res) => resolve({ status: res.statusCode ?? 0 }))
      ws.on("open", () => resolve({ status: 101, ws }))
      ws.on("error", (e) => (e.message.includes("Unexpected server response") ? undefined : reject(e)))
    })

  it("allows at most N streams per user and closes them when the subscription or the session ends", async () => {
    const user = await account("streams", 300_000)
    const n8n = (
      await http.post(
        "/api/subscriptions",
        { planId: "90000000-0000-4000-8000-000000000002", instanceName: "streamed" },
        user.token
      )
    ).body.data
    const ghost = (
      await http.post(
        "/api/subscriptions",
        { planId: "90000000-0000-4000-8000-000000000004", instanceName: "blog" },
        user.token
      )
    ).body.data
    const first = await open(n8n.id, user.token)
    const second = await open(ghost.id, user.token)
    expect([first.status, second.status]).toEqual([101, 101])
    const third = await open(n8n.id, user.token) // opens only to be closed, so browsers see why
    expect(third.status).toBe(101)
    expect(
      await new Promise<[number, string]>((resolve) =>
        third.ws!.on("close", (code, reason) => resolve([code, reason.toString()]))
      )
    ).toEqual([closeCodes.tooManyStreams, "at most 2 log streams per user"])
    const closedOf = (ws: WebSocket) =>
      new Promise<[number, string]>((resolve) => ws.on("close", (code, reason) => resolve([code, reason.toString()])))
    const [firstClosed, secondClosed] = [closedOf(first.ws!), closedOf(second.ws!)]
    expect((await http.delete(`/api/subscriptions/${ghost.id}`, user.token)).status).toBe(200)
    expect(await secondClosed).toEqual([4401, "subscription ended"])
    expect((await open(ghost.id, user.token)).status).toBe(404) // an ended subscription streams nothing
    await http.post("/api/auth/logout", { refreshToken: user.refreshToken })
    expect(await firstClosed).toEqual([4401, "session ended"])
  })

  it("closes a stream when an administrator deactivates its user", async () => {
    const user = await account("deactivated", 100_000)
    const sub = (
      await http.post(
        "/api/subscriptions",
        { planId: "90000000-0000-4000-8000-000000000002", instanceName: "watched" },
        user.token
      )
    ).body.data
    const stream = await open(sub.id, user.token)
    expect(stream.status).toBe(101)
    const closed = new Promise<number>((resolve) => stream.ws!.on("close", (code) => resolve(code)))
    expect((await http.put(`/api/admin/users/${user.id}/deactivate`, {}, adminAccess)).status).toBe(200)
    expect(await closed).toBe(4401)
  })
})

// The ledger audit of this file's database runs once after the whole suite (tests/support/globalSetup.ts).
