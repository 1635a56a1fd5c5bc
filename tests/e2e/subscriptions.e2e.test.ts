import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import type { TestDatabase } from "../support/database.ts"
import { serverForFile } from "../support/e2eServer.ts"
import { seededPlans as plans } from "../support/seededCatalog.ts"
import { type Api, balanceOf, customer } from "../support/server.ts"
import { compiledScript } from "../support/compiled.ts"

const exec = promisify(execFile)

let db: TestDatabase
let http: Api
let admin: string
serverForFile(
  { JWT_SECRET: "subs-e2e-secret-subs-e2e-secret-subs", SIM_CLUSTER_READY_MS: "600000" },
  (world) => ({ db, http, admin } = world)
)

const balance = (token: string) => balanceOf(http, token)

describe("subscriptions", () => {
  it("validate reports exactly what subscribe does; subscribe charges, takes a slot, creates the instance", async () => {
    const user = await customer(http, admin, "subscriber", 200_000)
    const before = (await http.get("/api/catalog/services/n8n/plans", user.token)).body.data.items.find(
      (p: { id: string }) => p.id === plans.n8nBasic
    )
    const validation = await http.post("/api/subscriptions/validate", { planId: plans.n8nBasic }, user.token)
    expect(validation.body.data).toMatchObject({
      valid: true,
      price: 50_000,
      balance: 200_000,
      balanceAfter: 150_000,
      errors: []
    })
    expect(await balance(user.token)).toBe(200_000) // validate changes nothing

    const created = await http.post(
      "/api/subscriptions",
      { planId: plans.n8nBasic, instanceName: "my-flows" },
      user.token
    )
    expect(created.status).toBe(201)
    expect(created.body.data).toMatchObject({
      planId: plans.n8nBasic,
      status: "PENDING_DEPLOYMENT",
      instanceStatus: "PROVISIONING",
      instanceName: "my-flows",
      autoRenew: true
    })
    expect(await balance(user.token)).toBe(150_000)
    const after = (await http.get("/api/catalog/services/n8n/plans", user.token)).body.data.items.find(
      (p: { id: string }) => p.id === plans.n8nBasic
    )
    expect(after.usedQuota).toBe(before.usedQuota + 1)

    const duplicate = await http.post("/api/subscriptions", { planId: plans.n8nFree }, user.token)
    expect(duplicate.status).toBe(409)
    expect(duplicate.body.error.code).toBe("DUPLICATE_SUBSCRIPTION")
    expect(duplicate.body.error.details.existingSubscriptionId).toBe(created.body.data.id)
    // Exactly the tiers above the held BASIC plan (n8n: FREE, BASIC, PRO), whatever was asked for (here FREE).
    expect(duplicate.body.error.details.upgradeOptions).toEqual([plans.n8nPro])
    const dupValidation = await http.post("/api/subscriptions/validate", { planId: plans.n8nFree }, user.token)
    // The API's codes and details, as subscribe would answer them; never internal tags.
    expect(dupValidation.body.data.errors[0].code).toBe("DUPLICATE_SUBSCRIPTION")
    expect(dupValidation.body.data.errors[0].details.existingSubscriptionId).toBe(created.body.data.id)
    expect(JSON.stringify(dupValidation.body.data)).not.toMatch(/_tag|DuplicateSubscription/)
  })

  it("refuses with the shortfall when credit is short, and nothing is written", async () => {
    const user = await customer(http, admin, "poor", 10_000)
    const [before] = await db.sql<Array<{ n: number }>>`select count(*)::int as n from events`
    const refused = await http.post("/api/subscriptions", { planId: plans.ghostBasic }, user.token)
    expect(refused.status).toBe(402)
    expect(refused.body.error).toMatchObject({
      code: "INSUFFICIENT_CREDIT",
      details: { required: 75_000, available: 10_000, shortfall: 65_000 }
    })
    const [after] = await db.sql<Array<{ n: number }>>`select count(*)::int as n from events`
    expect(after!.n).toBe(before!.n)
  })

  it("upgrades with the documented proration, then cancels with the documented refund; audit clean", async () => {
    const user = await customer(http, admin, "upgrader", 500_000)
    const sub = (await http.post("/api/subscriptions", { planId: plans.n8nBasic }, user.token)).body.data
    const periodMs = Date.parse(sub.periodEnd) - Date.parse(sub.periodStart)
    const lower = await http.put(`/api/subscriptions/${sub.id}/upgrade`, { newPlanId: plans.n8nFree }, user.token)
    expect(lower.status).toBe(409)
    expect(lower.body.error.code).toBe("UPGRADE_REQUIRED")
    const other = await http.put(`/api/subscriptions/${sub.id}/upgrade`, { newPlanId: plans.ghostBasic }, user.token)
    expect(other.body.error.code).toBe("UPGRADE_REQUIRED")

    const beforeUpgrade = await balance(user.token)
    const t0 = Date.now()
    const upgraded = await http.put(`/api/subscriptions/${sub.id}/upgrade`, { newPlanId: plans.n8nPro }, user.token)
    const t1 = Date.now()
    expect(upgraded.body.data).toMatchObject({ planId: plans.n8nPro, periodEnd: sub.periodEnd })
    const charged = beforeUpgrade - (await balance(user.token))
    // floor(100000 × remaining / period), remaining measured between t0 and t1
    const bound = (at: number) => Math.floor((100_000 * (Date.parse(sub.periodEnd) - at)) / periodMs)
    expect(charged).toBeLessThanOrEqual(bound(t0 - 5))
    expect(charged).toBeGreaterThanOrEqual(bound(t1 + 5))

    const beforeCancel = await balance(user.token)
    const c0 = Date.now()
    const cancelled = await http.delete(`/api/subscriptions/${sub.id}`, user.token)
    const c1 = Date.now()
    expect(cancelled.body.data).toMatchObject({ status: "CANCELLED", instanceStatus: "TERMINATED" })
    const refunded = (await balance(user.token)) - beforeCancel
    const refundBound = (at: number) => Math.ceil((150_000 * (Date.parse(sub.periodEnd) - at)) / periodMs)
    expect(refunded).toBeLessThanOrEqual(Math.min(refundBound(c0 - 5), 50_000 + charged))
    expect(refunded).toBeGreaterThanOrEqual(Math.min(refundBound(c1 + 5), 50_000 + charged))
    expect((await http.delete(`/api/subscriptions/${sub.id}`, user.token)).body.error.code).toBe("INVALID_TRANSITION")
    // Re-subscribing after a cancellation is allowed; each subscription lists only its own movements.
    const again = await http.post("/api/subscriptions", { planId: plans.n8nBasic }, user.token)
    expect(again.status).toBe(201)
    const fresh = (await http.get(`/api/subscriptions/${again.body.data.id}`, user.token)).body.data.transactions
    expect(fresh.map((t: { type: string; amount: number }) => [t.type, t.amount])).toEqual([["SUBSCRIPTION", 50_000]])
    const old = (await http.get(`/api/subscriptions/${sub.id}`, user.token)).body.data.transactions
    expect(old.map((t: { type: string }) => t.type).sort()).toEqual(["REFUND", "REFUND", "SUBSCRIPTION", "UPGRADE"])

    const audit = await exec(process.execPath, [compiledScript("audit")], {
      env: { ...process.env, DATABASE_URL: db.url }
    })
    expect(audit.stdout).toMatch(/AUDIT OK/)
  })

  it("keeps users to their own subscriptions (404), toggles auto-renew, refuses coupons until they exist", async () => {
    const owner = await customer(http, admin, "owner", 100_000)
    const intruder = await customer(http, admin, "intruder", 0)
    const sub = (await http.post("/api/subscriptions", { planId: plans.n8nFree }, owner.token)).body.data
    expect((await http.get(`/api/subscriptions/${sub.id}`, intruder.token)).status).toBe(404)
    expect((await http.delete(`/api/subscriptions/${sub.id}`, intruder.token)).status).toBe(404)
    expect((await http.put(`/api/subscriptions/${sub.id}/auto-renew`, { enabled: false }, intruder.token)).status).toBe(
      404
    )
    const renew = await http.put(`/api/subscriptions/${sub.id}/auto-renew`, { enabled: false }, owner.token)
    expect(renew.body.data).toMatchObject({ autoRenew: false, nextBillingDate: null })
    const detail = await http.get(`/api/subscriptions/${sub.id}`, owner.token)
    expect(detail.body.data.instance).toMatchObject({ name: sub.instanceName, status: "PROVISIONING" })
    expect((await http.get("/api/subscriptions", owner.token)).body.data.items).toHaveLength(1)
    const coupon = await http.post(
      "/api/subscriptions",
      { planId: plans.ghostBasic, couponCode: "WELCOME" },
      owner.token
    )
    expect(coupon.status).toBe(422)
    expect((await http.post("/api/subscriptions", { planId: "not-a-uuid" }, owner.token)).status).toBe(400)
  })

  it("refuses a quota that is full, and a capacity below what is in use", async () => {
    const user = await customer(http, admin, "quota", 100_000)
    const other = await customer(http, admin, "quota2", 100_000)
    await http.put(`/api/admin/plans/${plans.ghostBasic}/quota`, { totalQuota: 1 }, admin)
    expect((await http.post("/api/subscriptions", { planId: plans.ghostBasic }, user.token)).status).toBe(201)
    const full = await http.post("/api/subscriptions", { planId: plans.ghostBasic }, other.token)
    expect(full.status).toBe(409)
    expect(full.body.error.code).toBe("QUOTA_EXCEEDED")
    const below = await http.put(`/api/admin/plans/${plans.ghostBasic}/quota`, { totalQuota: 0 }, admin)
    expect(below.status).toBe(409)
    expect(below.body.error.details).toEqual({ requested: 0, used: 1 })
  })

  it("the audit replays quotas and subscriptions: a quota row edited behind the log is reported", async () => {
    const clean = await exec(process.execPath, [compiledScript("audit")], {
      env: { ...process.env, DATABASE_URL: db.url }
    })
    expect(clean.stdout).toMatch(/AUDIT OK/)
    await db.sql`update plans set used_quota = used_quota + 1 where id = ${plans.n8nPro}`
    const failed = await exec(process.execPath, [compiledScript("audit")], {
      env: { ...process.env, DATABASE_URL: db.url }
    }).then(
      () => expect.unreachable("audit must fail"),
      (error: { code: number; stdout: string }) => error
    )
    expect(failed.code).toBe(1)
    expect(failed.stdout).toMatch(/plans\.used_quota .* differs from replay/)
    await db.sql`update plans set used_quota = used_quota - 1 where id = ${plans.n8nPro}` // put back, for the run's closing audit
  })
})
