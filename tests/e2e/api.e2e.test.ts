import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { api, newUser, type StartedServer, startServer } from "../support/server.ts"

let db: TestDatabase
let server: StartedServer
let http: ReturnType<typeof api>
const admin = { email: "root@minispod.test", password: "admin-password-1" }

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false }) // the server migrates at start
  server = await startServer({
    DATABASE_URL: db.url,
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    JWT_SECRET: "e2e-secret-e2e-secret-e2e-secret-e2e-secret",
    LOGIN_RATE_MAX_PER_ACCOUNT: "4",
    REFRESH_GRACE_SECONDS: "1",
    BODY_LIMIT_BYTES: "20000"
  })
  http = api(server.baseUrl)
})
afterAll(async () => {
  expect(await server.stop()).toBe(0)
  await db.drop()
})

const register = async (label: string) => {
  const user = newUser(label)
  const response = await http.post("/api/auth/register", user)
  expect(response.status).toBe(201)
  return {
    ...user,
    id: response.body.data.user.id as string,
    token: response.body.data.accessToken as string,
    refreshToken: response.body.data.refreshToken as string
  }
}

const adminToken = async () => (await http.post("/api/auth/login", admin)).body.data.accessToken as string

const counts = async () => {
  const [row] = await db.sql<Array<{ events: number; users: number; entries: number }>>`
    select (select count(*) from events)::bigint as events, (select count(*) from users)::bigint as users,
           (select count(*) from ledger_entries)::bigint as entries`
  return row!
}

describe("service endpoints", () => {
  it("answers health, readiness, metrics and its OpenAPI document", async () => {
    expect((await http.get("/healthz")).status).toBe(200)
    expect((await http.get("/readyz")).body.data.database).toBe("ok")
    const metrics = await http.get("/metrics")
    expect(metrics.status).toBe(200)
    expect(metrics.body).toMatch(/http_requests_total/)
    const doc = (await http.get("/openapi.json")).body
    expect(doc.openapi).toBe("3.1.0")
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/auth/register", "/api/wallet/info", "/api/admin/users/{id}/credit-adjustment"])
    )
    expect(doc.paths["/api/auth/register"].post.requestBody.content["application/json"].schema.required).toEqual(
      expect.arrayContaining(["email", "password", "name"])
    )
  })

  it("echoes a request id, and answers unknown routes in the envelope", async () => {
    const response = await http.get("/nowhere", undefined, { "x-request-id": "trace-123" })
    expect(response.headers.get("x-request-id")).toBe("trace-123")
    expect(response.status).toBe(404)
    expect(response.body).toEqual({ success: false, message: "Not found", error: { code: "NOT_FOUND" } })
  })

  it("has no development clock unless DEV_CLOCK=true (404), and documents the renewal endpoints", async () => {
    expect((await http.get("/dev/clock")).status).toBe(404)
    expect((await http.post("/dev/clock/advance", { days: 1 })).status).toBe(404)
    const doc = (await http.get("/openapi.json")).body
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/subscriptions/{id}/reactivate",
        "/api/admin/billing/renewals",
        "/api/admin/billing/renewals/run",
        "/api/admin/subscriptions/{id}/retry-renewal"
      ])
    )
  })
})

describe("sessions", () => {
  it("register → login → refresh rotates; reusing the old refresh token revokes the whole family", async () => {
    const user = await register("session")
    const login = await http.post("/api/auth/login", { email: user.email, password: user.password })
    expect(login.status).toBe(200)
    const first = login.body.data.refreshToken as string
    const refreshed = await http.post("/api/auth/refresh", { refreshToken: first })
    expect(refreshed.status).toBe(200)
    const second = refreshed.body.data.refreshToken as string
    expect(second).not.toBe(first)
    expect((await http.get("/api/auth/profile", refreshed.body.data.accessToken)).body.data.email).toBe(user.email)

    await new Promise((resolve) => setTimeout(resolve, 1_100)) // past the two-tab grace window
    const reuse = await http.post("/api/auth/refresh", { refreshToken: first })
    expect(reuse.status).toBe(401)
    expect(reuse.body.error.code).toBe("UNAUTHENTICATED")
    // The thief's reuse ended the session: the legitimate newer token is dead too.
    expect((await http.post("/api/auth/refresh", { refreshToken: second })).status).toBe(401)
    // …and so is its access token, at once (sessions are checked on every request).
    expect((await http.get("/api/auth/profile", refreshed.body.data.accessToken)).status).toBe(401)
    // Another session (from registration) is untouched.
    expect((await http.post("/api/auth/refresh", { refreshToken: user.refreshToken })).status).toBe(200)
  })

  it("logout revokes; a wrong password and an unknown email get the same 401", async () => {
    const user = await register("logout")
    expect((await http.post("/api/auth/logout", { refreshToken: user.refreshToken })).status).toBe(200)
    expect((await http.post("/api/auth/refresh", { refreshToken: user.refreshToken })).status).toBe(401)
    const wrong = await http.post("/api/auth/login", { email: user.email, password: "not the password" })
    const unknown = await http.post("/api/auth/login", { email: `nobody-${user.email}`, password: "whatever1" })
    expect([wrong.status, unknown.status]).toEqual([401, 401])
    expect(wrong.body).toEqual(unknown.body)
  })

  it("backs off failed logins per account and address with 429 and Retry-After", async () => {
    const user = await register("throttle")
    const statuses: Array<number> = []
    for (let i = 0; i < 6; i++) {
      statuses.push((await http.post("/api/auth/login", { email: user.email, password: "bad password" })).status)
    }
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401])
    const limited = await http.post("/api/auth/login", { email: user.email, password: user.password })
    expect(limited.status).toBe(429)
    expect(limited.body.error.code).toBe("RATE_LIMITED")
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0)
  })

  it("profile updates, and a password change revokes the other sessions", async () => {
    const user = await register("profile")
    const updated = await http.put("/api/auth/profile", { name: "Ayu Lestari", phone: "+6281234567890" }, user.token)
    expect(updated.body.data).toMatchObject({ name: "Ayu Lestari", phone: "+6281234567890" })
    const other = await http.post("/api/auth/login", { email: user.email, password: user.password })
    const wrongCurrent = await http.put(
      "/api/auth/password",
      { currentPassword: "nope-nope", newPassword: "brand new password" },
      user.token
    )
    expect(wrongCurrent.status).toBe(400)
    expect(wrongCurrent.body.error.details).toEqual([{ field: "currentPassword", message: "does not match" }])
    expect(
      (
        await http.put(
          "/api/auth/password",
          { currentPassword: user.password, newPassword: "brand new password" },
          user.token
        )
      ).status
    ).toBe(200)
    expect((await http.post("/api/auth/refresh", { refreshToken: other.body.data.refreshToken })).status).toBe(401)
    expect((await http.post("/api/auth/refresh", { refreshToken: user.refreshToken })).status).toBe(200)
    expect((await http.post("/api/auth/login", { email: user.email, password: "brand new password" })).status).toBe(200)
  })
})

describe("wallet and admin credit adjustment", () => {
  it("credits with a reason, honours Idempotency-Key, never goes below 0, and shows up in the ledger views", async () => {
    const user = await register("wallet")
    const token = await adminToken()
    const path = `/api/admin/users/${user.id}/credit-adjustment`
    const key = { "idempotency-key": `adj-${user.id}` }
    const first = await http.post(path, { amount: 75_000, reason: "welcome credit" }, token, key)
    expect(first.status).toBe(201)
    expect(first.body.data).toMatchObject({ amount: 75_000, balance: 75_000, applied: true })
    const replay = await http.post(path, { amount: 75_000, reason: "welcome credit" }, token, key)
    expect(replay.status).toBe(201)
    expect(replay.headers.get("idempotent-replayed")).toBe("true")
    expect(replay.body).toEqual(first.body)
    const otherBody = await http.post(path, { amount: 1, reason: "welcome credit" }, token, key)
    expect(otherBody.status).toBe(409)
    expect(otherBody.body.error.code).toBe("CONFLICT")

    const overdraw = await http.post(path, { amount: -100_000, reason: "claw back" }, token)
    expect(overdraw.status).toBe(402)
    expect(overdraw.body.error).toEqual({
      code: "INSUFFICIENT_CREDIT",
      details: { required: 100_000, available: 75_000, shortfall: 25_000 }
    })
    expect((await http.post(path, { amount: -5_000, reason: "correction" }, token)).status).toBe(201)

    const info = await http.get("/api/wallet/info", user.token)
    expect(info.body.data).toEqual({
      balance: 70_000,
      totalTopUp: 0,
      totalSpent: 0,
      currency: "IDR",
      runway: { monthlyCost: 0, renewalsCovered: null, firstFailureAt: null },
      creditBalance: 70_000
    })
    const list = await http.get("/api/wallet/transactions?limit=1", user.token)
    expect(list.body.data.pagination).toEqual({ page: 1, limit: 1, total: 2, totalPages: 2 })
    expect(list.body.data.items[0]).toMatchObject({
      type: "ADMIN_ADJUSTMENT",
      direction: "DEBIT",
      amount: 5_000,
      balanceAfter: 70_000,
      description: "correction"
    })
    expect(list.body.data.items[0].transactionId).toMatch(/^TXMP-\d+$/)
    const filtered = await http.get("/api/wallet/transactions?type=TOP_UP", user.token)
    expect(filtered.body.data.pagination.total).toBe(0)
    const one = await http.get(`/api/wallet/transactions/${first.body.data.transactionId}`, user.token)
    expect(one.body.data).toMatchObject({ amount: 75_000, direction: "CREDIT" })
  })

  it("keeps users to their own data (404) and out of admin routes (403)", async () => {
    const owner = await register("owner")
    const intruder = await register("intruder")
    const token = await adminToken()
    const credit = await http.post(
      `/api/admin/users/${owner.id}/credit-adjustment`,
      { amount: 10_000, reason: "gift" },
      token
    )
    const txId = credit.body.data.transactionId as string
    const peek = await http.get(`/api/wallet/transactions/${txId}`, intruder.token)
    expect(peek.status).toBe(404)
    expect(peek.body.error.code).toBe("NOT_FOUND")
    expect((await http.get("/api/wallet/transactions", intruder.token)).body.data.items).toEqual([])
    const selfCredit = await http.post(
      `/api/admin/users/${intruder.id}/credit-adjustment`,
      { amount: 10_000, reason: "free money" },
      intruder.token
    )
    expect(selfCredit.status).toBe(403)
    expect(selfCredit.body.error.code).toBe("FORBIDDEN")
    expect((await http.get("/api/wallet/info")).status).toBe(401)
    expect((await http.get("/api/wallet/info", "not-a-token")).status).toBe(401)
    const unknownUser = await http.post(
      "/api/admin/users/00000000-0000-4000-8000-000000000000/credit-adjustment",
      { amount: 1, reason: "ghost" },
      token
    )
    expect(unknownUser.status).toBe(404)
  })

  it("turns bad input into 4xx naming the field, and writes nothing", async () => {
    const user = await register("badinput")
    const token = await adminToken()
    const path = `/api/admin/users/${user.id}/credit-adjustment`
    const before = await counts()
    const cases: Array<[string, Promise<{ status: number; body: any }>, number, string?]> = [
      ["malformed JSON", http.raw("POST", path, '{"amount": 5', token), 400, "body"],
      ["amount as string", http.post(path, { amount: "5000", reason: "typed" }, token), 400, "body.amount"],
      ["fractional amount", http.post(path, { amount: 10.5, reason: "fraction" }, token), 400, "body.amount"],
      ["zero amount", http.post(path, { amount: 0, reason: "zero" }, token), 400, "body.amount"],
      ["missing reason", http.post(path, { amount: 5000 }, token), 400, "body.reason"],
      ["huge reason", http.post(path, { amount: 5000, reason: "x".repeat(10_000) }, token), 400, "body.reason"],
      ["body over the limit", http.post(path, { amount: 5000, reason: "x".repeat(30_000) }, token), 413],
      [
        "bad user id",
        http.post("/api/admin/users/not-a-uuid/credit-adjustment", { amount: 5000, reason: "ok reason" }, token),
        400,
        "params.id"
      ],
      ["negative page", http.get("/api/wallet/transactions?page=-1", user.token), 400, "query.page"],
      ["limit over 100", http.get("/api/wallet/transactions?limit=1000", user.token), 400, "query.limit"],
      ["unknown type", http.get("/api/wallet/transactions?type=FREE_MONEY", user.token), 400, "query.type"],
      [
        "register: short password",
        http.post("/api/auth/register", { name: "A", email: "a@b.co", password: "short" }),
        400,
        "body.password"
      ],
      [
        "register: name as number",
        http.post("/api/auth/register", { name: 42, email: "n@b.co", password: "long enough" }),
        400,
        "body.name"
      ],
      [
        "register: huge name",
        http.post("/api/auth/register", { name: "y".repeat(5000), email: "h@b.co", password: "long enough" }),
        400,
        "body.name"
      ],
      ["register: array body", http.raw("POST", "/api/auth/register", "[1,2,3]"), 400]
    ]
    for (const [label, request, status, field] of cases) {
      const response = await request
      expect(response.status, label).toBe(status)
      expect(response.body.success, label).toBe(false)
      if (field !== undefined)
        expect(
          response.body.error.details.map((d: { field: string }) => d.field),
          label
        ).toContain(field)
    }
    expect(await counts()).toEqual(before)
  })

  it("serves the audit report and an NDJSON export of the log to administrators only", async () => {
    const user = await register("auditor")
    const token = await adminToken()
    await http.post(`/api/admin/users/${user.id}/credit-adjustment`, { amount: 1_000, reason: "audit me" }, token)
    const report = await http.get("/api/admin/audit/ledger", token)
    expect(report.body.data, JSON.stringify(report.body.data)).toMatchObject({ ok: true, accountSum: 0 })
    expect((await http.get("/api/admin/audit/ledger", user.token)).status).toBe(403)
    const exported = await fetch(`${server.baseUrl}/api/admin/audit/events?stream=wallet-${user.id}`, {
      headers: { authorization: `Bearer ${token}` }
    })
    expect(exported.headers.get("content-type")).toMatch(/application\/x-ndjson/)
    const lines = (await exported.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ streamId: `wallet-${user.id}`, version: 1, type: "CreditAdjusted" })
  })

  it("lets administrators manage users: search, stats, create, update, role, deactivate (sessions end), activate", async () => {
    const token = await adminToken()
    const me = (await http.get("/api/auth/profile", token)).body.data
    const created = await http.post("/api/admin/users", { ...newUser("managed"), role: "USER" }, token)
    expect(created.status).toBe(201)
    const id = created.body.data.id as string
    const login = await http.post("/api/auth/login", {
      email: created.body.data.email,
      password: "correct horse battery"
    })
    expect(login.status).toBe(200)
    expect(
      (await http.get(`/api/admin/users/search?q=${encodeURIComponent(created.body.data.email)}`, token)).body.data
        .items
    ).toHaveLength(1)
    expect((await http.get(`/api/admin/users/${id}`, token)).body.data).toMatchObject({ id, wallet: { balance: 0 } })
    expect((await http.put(`/api/admin/users/${id}`, { name: "Renamed" }, token)).body.data.name).toBe("Renamed")
    expect((await http.put(`/api/admin/users/${id}/role`, { role: "ADMINISTRATOR" }, token)).body.data.role).toBe(
      "ADMINISTRATOR"
    )
    expect(
      (await http.get("/api/admin/users?role=ADMINISTRATOR", token)).body.data.items.map((u: { id: string }) => u.id)
    ).toContain(id)
    expect((await http.get("/api/admin/users/stats", token)).body.data.administrators).toBeGreaterThanOrEqual(2)
    const deactivated = await http.put(`/api/admin/users/${id}/deactivate`, {}, token)
    expect(deactivated.body.data.isActive).toBe(false)
    expect((await http.get("/api/auth/profile", login.body.data.accessToken)).status).toBe(401) // access ends at once
    expect((await http.post("/api/auth/refresh", { refreshToken: login.body.data.refreshToken })).status).toBe(401)
    expect((await http.put(`/api/admin/users/${id}/activate`, {}, token)).body.data.isActive).toBe(true)
    expect((await http.put(`/api/admin/users/${me.id}/deactivate`, {}, token)).status).toBe(403) // not yourself
    expect((await http.get("/api/admin/users/00000000-0000-4000-8000-000000000000", token)).status).toBe(404)
  })

  it("rejects a duplicate email with 409 CONFLICT", async () => {
    const user = await register("dup")
    const again = await http.post("/api/auth/register", { ...newUser("dup2"), email: user.email.toUpperCase() })
    expect(again.status).toBe(409)
    expect(again.body.error).toEqual({ code: "CONFLICT", details: { field: "email" } })
  })
})
