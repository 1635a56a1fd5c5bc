import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { api, balanceOf, customer, type StartedServer, startServer } from "../support/server.ts"

const n8nBasic = "90000000-0000-4000-8000-000000000002"
const n8nPro = "90000000-0000-4000-8000-000000000003"
const ghostBasic = "90000000-0000-4000-8000-000000000004"

let db: TestDatabase
let server: StartedServer
let http: ReturnType<typeof api>
let admin: string
let adminId: string

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false })
  server = await startServer({
    DATABASE_URL: db.url,
    JWT_SECRET: "admin-subs-secret-admin-subs-secret",
    SIM_CLUSTER_READY_MS: "600000"
  })
  http = api(server.baseUrl)
  const login = (await http.post("/api/auth/login", { email: "admin@minispod.local", password: "minispod-admin" })).body
    .data
  admin = login.accessToken
  adminId = login.user.id
})
afterAll(async () => {
  await server.stop()
  await db.drop()
})

const balance = (token: string) => balanceOf(http, token)

describe("admin subscription operations", () => {
  it("bonus subscription skips credit; bonus upgrade charges nothing; extend; expire frees the slot", async () => {
    const user = await customer(http, admin, "bonus", 0)
    const bonus = await http.post(
      "/api/admin/subscriptions",
      { userId: user.id, planId: n8nBasic, reason: "partner program" },
      admin
    )
    expect(bonus.status).toBe(201)
    expect(await balance(user.token)).toBe(0)
    const [created] = await db.sql<Array<{ data: { charged: number }; metadata: { actor: string; reason: string } }>>`
      select data, metadata from events where stream_id = ${`subscription-${bonus.body.data.id}`} and stream_version = 1`
    expect(created!.data.charged).toBe(0)
    expect(created!.metadata).toMatchObject({ actor: adminId, reason: "partner program" })

    const upgraded = await http.put(
      `/api/admin/subscriptions/${bonus.body.data.id}/upgrade`,
      { newPlanId: n8nPro, bonus: true, reason: "partner upgrade" },
      admin
    )
    expect(upgraded.body.data.planId).toBe(n8nPro)
    expect(await balance(user.token)).toBe(0)

    const extended = await http.put(
      `/api/admin/subscriptions/${bonus.body.data.id}/extend`,
      { days: 10, reason: "outage credit" },
      admin
    )
    expect(Date.parse(extended.body.data.periodEnd) - Date.parse(bonus.body.data.periodEnd)).toBe(10 * 86_400_000)

    const expired = await http.put(
      `/api/admin/subscriptions/${bonus.body.data.id}/expire`,
      { reason: "partner left" },
      admin
    )
    expect(expired.body.data).toMatchObject({ status: "EXPIRED", instanceStatus: "TERMINATED" })
    expect((await http.post("/api/subscriptions", { planId: n8nBasic }, user.token)).status).toBe(402) // service free again; no credit though
  })

  it("refund is bounded by what was charged; force-cancel with a full refund; every action audited in metadata", async () => {
    const user = await customer(http, admin, "refund", 100_000)
    const sub = (await http.post("/api/subscriptions", { planId: ghostBasic }, user.token)).body.data
    expect(await balance(user.token)).toBe(25_000)
    const over = await http.post(
      `/api/admin/subscriptions/${sub.id}/refund`,
      { amount: 80_000, reason: "too much" },
      admin
    )
    expect(over.status).toBe(409)
    expect(
      (await http.post(`/api/admin/subscriptions/${sub.id}/refund`, { amount: 20_000, reason: "goodwill" }, admin))
        .status
    ).toBe(201)
    expect(await balance(user.token)).toBe(45_000)
    const cancelled = await http.delete(`/api/admin/subscriptions/${sub.id}/force-cancel`, admin, {
      refund: "full",
      reason: "abuse report"
    })
    expect(cancelled.body.data.status).toBe("CANCELLED")
    expect(await balance(user.token)).toBe(100_000) // the rest of the 75,000 charge
    const [meta] = await db.sql<Array<{ metadata: { actor: string; reason: string } }>>`
      select metadata from events where stream_id = ${`subscription-${sub.id}`} and type = 'SubscriptionCancelled'`
    expect(meta!.metadata).toMatchObject({ actor: adminId, reason: "abuse report" })
  })

  it("lists, searches and counts subscriptions across users; lists every user's transactions; users get 403", async () => {
    const user = await customer(http, admin, "listed", 200_000)
    const statsBefore = (await http.get("/api/admin/subscriptions/stats", admin)).body.data
    await http.post("/api/subscriptions", { planId: n8nBasic, instanceName: "searchable-flows" }, user.token)
    const found = (await http.get("/api/admin/subscriptions?q=searchable", admin)).body.data
    expect(found.items).toHaveLength(1)
    expect((await http.get(`/api/admin/subscriptions?userId=${user.id}`, admin)).body.data.pagination.total).toBe(1)
    expect(
      (await http.get(`/api/admin/subscriptions?q=${encodeURIComponent(user.email)}`, admin)).body.data.items
    ).toHaveLength(1)
    const stats = (await http.get("/api/admin/subscriptions/stats", admin)).body.data
    expect(stats.total).toBe(statsBefore.total + 1)
    expect(stats.monthlyRecurringRevenue).toBe(statsBefore.monthlyRecurringRevenue + 50_000)
    const transactions = (await http.get(`/api/admin/transactions?userId=${user.id}`, admin)).body.data
    expect(transactions.items.map((t: { type: string }) => t.type)).toEqual(["SUBSCRIPTION", "ADMIN_ADJUSTMENT"])
    expect((await http.get("/api/admin/subscriptions", user.token)).status).toBe(403)
    expect((await http.get("/api/admin/transactions", user.token)).status).toBe(403)
  })
})
