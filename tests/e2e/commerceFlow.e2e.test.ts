import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { adminToken, api, newUser, type StartedServer, startServer } from "../support/server.ts"
import { compiledScript } from "../support/compiled.ts"

const exec = promisify(execFile)
let db: TestDatabase
let server: StartedServer
let http: ReturnType<typeof api>

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false })
  server = await startServer({
    DATABASE_URL: db.url,
    JWT_SECRET: "flow-e2e-secret-flow-e2e-secret-flow",
    SIM_CLUSTER_READY_MS: "200",
    PROVISIONING_POLL_MS: "100"
  })
  http = api(server.baseUrl)
})
afterAll(async () => {
  await server.stop()
  await db.drop()
})

const waitForStatus = async (token: string, id: string, wanted: string) => {
  const deadline = Date.now() + 15_000
  for (;;) {
    const status = (await http.get(`/api/instances/${id}/status`, token)).body.data.status as string
    if (status === wanted || Date.now() > deadline) return status
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe("the whole commerce flow on a started server", () => {
  it("register → admin credit → catalog → validate → subscribe → RUNNING → stop/start/restart → upgrade → cancel → audit clean", async () => {
    const user = (await http.post("/api/auth/register", newUser("flow"))).body.data
    const token = user.accessToken as string
    const admin = await adminToken(http)
    await http.post(`/api/admin/users/${user.user.id}/credit-adjustment`, { amount: 300_000, reason: "welcome" }, admin)

    const plans = (await http.get("/api/catalog/services/n8n/plans", token)).body.data.items as Array<{
      id: string
      planType: string
      monthlyPrice: number
    }>
    const basic = plans.find((p) => p.planType === "BASIC")!
    const pro = plans.find((p) => p.planType === "PRO")!
    expect((await http.post("/api/subscriptions/validate", { planId: basic.id }, token)).body.data).toMatchObject({
      valid: true,
      balanceAfter: 300_000 - basic.monthlyPrice
    })

    const sub = (await http.post("/api/subscriptions", { planId: basic.id, instanceName: "flow" }, token)).body.data
    expect(await waitForStatus(token, sub.id, "RUNNING")).toBe("RUNNING")
    await http.put(`/api/subscriptions/${sub.id}/stop`, {}, token)
    expect(await waitForStatus(token, sub.id, "STOPPED")).toBe("STOPPED")
    await http.put(`/api/subscriptions/${sub.id}/start`, {}, token)
    expect(await waitForStatus(token, sub.id, "RUNNING")).toBe("RUNNING")
    await http.post(`/api/subscriptions/${sub.id}/restart`, {}, token)
    expect(await waitForStatus(token, sub.id, "RUNNING")).toBe("RUNNING")

    // Upgrade: floor((pro − basic) × remaining / period), remaining measured around the call.
    const period = Date.parse(sub.periodEnd) - Date.parse(sub.periodStart)
    const before = (await http.get("/api/wallet/info", token)).body.data.balance
    const t0 = Date.now()
    await http.put(`/api/subscriptions/${sub.id}/upgrade`, { newPlanId: pro.id }, token)
    const t1 = Date.now()
    const charge = before - (await http.get("/api/wallet/info", token)).body.data.balance
    const diff = pro.monthlyPrice - basic.monthlyPrice
    expect(charge).toBeLessThanOrEqual(Math.floor((diff * (Date.parse(sub.periodEnd) - (t0 - 5))) / period))
    expect(charge).toBeGreaterThanOrEqual(Math.floor((diff * (Date.parse(sub.periodEnd) - (t1 + 5))) / period))

    // Cancel: ceil(pro × unused / period), never more than was paid this period.
    const beforeCancel = (await http.get("/api/wallet/info", token)).body.data.balance
    const c0 = Date.now()
    await http.delete(`/api/subscriptions/${sub.id}`, token)
    const c1 = Date.now()
    const refund = (await http.get("/api/wallet/info", token)).body.data.balance - beforeCancel
    const paid = basic.monthlyPrice + charge
    expect(refund).toBeLessThanOrEqual(
      Math.min(paid, Math.ceil((pro.monthlyPrice * (Date.parse(sub.periodEnd) - (c0 - 5))) / period))
    )
    expect(refund).toBeGreaterThanOrEqual(
      Math.min(paid, Math.ceil((pro.monthlyPrice * (Date.parse(sub.periodEnd) - (c1 + 5))) / period))
    )
    expect(
      (await http.get(`/api/subscriptions/${sub.id}`, token)).body.data.transactions
        .map((t: { type: string }) => t.type)
        .sort()
    ).toEqual(["REFUND", "REFUND", "SUBSCRIPTION", "UPGRADE"])

    const audit = await exec(process.execPath, [compiledScript("audit")], {
      env: { ...process.env, DATABASE_URL: db.url }
    })
    expect(audit.stdout).toMatch(/AUDIT OK/)

    // The analytics see the same day.
    const [revenue] = (await http.get("/api/admin/analytics/revenue", admin)).body.data
    expect(revenue).toMatchObject({
      charged: basic.monthlyPrice + charge,
      refunded: refund,
      net: basic.monthlyPrice + charge - refund
    })
    expect((await http.get("/api/admin/analytics/service-control?groupBy=month", admin)).body.data[0]).toMatchObject({
      stops: 1,
      starts: 1,
      restarts: 1
    })
    expect((await http.get("/api/admin/analytics/subscriptions", admin)).body.data.byStatus).toEqual({ CANCELLED: 1 })
    expect(
      (await http.get("/api/admin/analytics/quota", admin)).body.data.find(
        (p: { planId: string }) => p.planId === pro.id
      )
    ).toMatchObject({ usedQuota: 0 })
    expect((await http.get("/api/admin/analytics/revenue?groupBy=week", admin)).status).toBe(400)
    expect((await http.get("/api/admin/analytics/revenue", token)).status).toBe(403)
  })
})
