import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import type { TestDatabase } from "../support/database.ts"
import { serverForFile, waitFor } from "../support/e2eServer.ts"
import { seededPlans } from "../support/seededCatalog.ts"
import { adminToken, type Api, balanceOf, customer } from "../support/server.ts"
import { compiledScript } from "../support/compiled.ts"

const exec = promisify(execFile)
const { n8nBasic, n8nPro } = seededPlans

let db: TestDatabase
let http: Api
let admin: string
serverForFile(
  {
    JWT_SECRET: "renewal-e2e-secret-renewal-e2e-secret",
    DEV_CLOCK: "true",
    SIM_CLUSTER_READY_MS: "100",
    PROVISIONING_POLL_MS: "100"
  },
  (world) => ({ db, http, admin } = world)
)

/** Access tokens follow the application clock too: after a jump, everyone logs in again. */
let relogin = async () => {}
const advanceDays = async (days: number) => {
  const r = await http.post("/dev/clock/advance", { days })
  expect(r.status).toBe(200)
  admin = await adminToken(http)
  await relogin()
  return r.body.data
}
const usedQuota = async (token: string) =>
  (await http.get("/api/catalog/services/n8n/plans", token)).body.data.items.find(
    (p: { id: string }) => p.id === n8nBasic
  ).usedQuota as number
const podPhase = async (id: string) =>
  ((await http.get("/api/admin/pods?limit=100", admin)).body.data.items.find(
    (p: { instanceId: string }) => p.instanceId === id
  )?.metrics?.phase ?? "GONE") as string

describe("the billing clock on a started server, driven by the development clock", () => {
  it("refuses bad advances with 400 naming the field, and never moves backward", async () => {
    const before = (await http.get("/dev/clock")).body.data.now as string
    for (const body of [{}, { days: -1 }, { days: 1.5 }, { seconds: "10" }, { days: 1, seconds: 1 }]) {
      const r = await http.post("/dev/clock/advance", body)
      expect(r.status).toBe(400)
      expect(r.body.error.code).toBe("VALIDATION_FAILED")
    }
    expect((await http.get("/dev/clock")).body.now >= before).toBe(true)
  })

  it("subscribe → renew → out of credit → grace → top-up renews at once → out again → suspended (scaled to 0, slot free) → reactivate → expire", async () => {
    const user = await customer(http, admin, "renewer", 100_000)
    relogin = async () => {
      user.token = (
        await http.post("/api/auth/login", { email: user.email, password: "correct horse battery" })
      ).body.data.accessToken
    }
    const sub = (await http.post("/api/subscriptions", { planId: n8nBasic, instanceName: "clock" }, user.token)).body
      .data
    expect(
      await waitFor(
        async () => (await http.get(`/api/instances/${sub.id}/status`, user.token)).body.data.status,
        "RUNNING"
      )
    ).toBe("RUNNING")
    expect(sub).toMatchObject({
      renewalStatus: "ACTIVE",
      nextBillingDate: sub.periodEnd,
      graceEndsAt: null,
      suspendedAt: null
    })
    const quotaHeld = await usedQuota(user.token)
    const info = (await http.get("/api/wallet/info", user.token)).body.data
    expect(info.runway).toEqual({ monthlyCost: 50_000, renewalsCovered: 1, firstFailureAt: expect.any(String) })

    // A month later: renewed from the old period end, charged once.
    const first = await advanceDays(32)
    expect(first.jobs.renewals.renewed).toBe(1)
    const renewed = (await http.get(`/api/subscriptions/${sub.id}`, user.token)).body.data
    expect(renewed).toMatchObject({ periodStart: sub.periodEnd, renewalStatus: "ACTIVE" })
    expect(await balanceOf(http, user.token)).toBe(0)
    expect(renewed.transactions.filter((t: { type: string }) => t.type === "SUBSCRIPTION")).toHaveLength(2)
    // Running the job again changes nothing (idempotent).
    expect((await http.post("/api/admin/billing/renewals/run", {}, admin)).body.data.renewed).toBe(0)

    // Out of credit: grace for 7 days, the app keeps running, upgrades wait.
    await advanceDays(31)
    const grace = (await http.get(`/api/subscriptions/${sub.id}`, user.token)).body.data
    expect(grace).toMatchObject({ renewalStatus: "GRACE", status: "ACTIVE", instanceStatus: "RUNNING" })
    expect(Date.parse(grace.graceEndsAt) - Date.parse(renewed.periodEnd)).toBe(7 * 86_400_000)
    expect(
      (await http.put(`/api/subscriptions/${sub.id}/upgrade`, { newPlanId: n8nPro }, user.token)).body.error.code
    ).toBe("INVALID_TRANSITION")
    const graceList = (await http.get("/api/admin/billing/renewals?status=grace", admin)).body.data
    expect(graceList.items.map((s: { id: string }) => s.id)).toContain(sub.id)
    expect((await http.get("/api/admin/billing/renewals?status=overdue", admin)).status).toBe(400)
    const retried = await http.post(`/api/admin/subscriptions/${sub.id}/retry-renewal`, {}, admin)
    expect(retried.status).toBe(200)
    expect(retried.body.data.subscription.renewalStatus).toBe("GRACE") // still no credit; retried already today

    // A settled top-up renews at once (no scheduler tick), from the original period end.
    const topUp = (await http.post("/api/wallet/topup", { amount: 50_000, paymentMethod: "QRIS" }, user.token)).body
      .data
    expect((await fetch(`${topUp.redirectUrl}/settle`, { method: "POST", redirect: "manual" })).status).toBe(303)
    const paid = (await http.get(`/api/subscriptions/${sub.id}`, user.token)).body.data
    expect(paid).toMatchObject({ renewalStatus: "ACTIVE", graceEndsAt: null, periodStart: renewed.periodEnd })
    expect(await balanceOf(http, user.token)).toBe(0)

    // Out again, grace runs out: suspended, scaled to 0, the slot is free, data kept.
    await advanceDays(31)
    await advanceDays(8)
    const suspended = (await http.get(`/api/subscriptions/${sub.id}`, user.token)).body.data
    expect(suspended).toMatchObject({
      status: "SUSPENDED",
      renewalStatus: "SUSPENDED",
      instanceStatus: "SUSPENDED",
      nextBillingDate: null
    })
    expect(suspended.suspendedAt).toEqual(expect.any(String))
    expect(await usedQuota(user.token)).toBe(quotaHeld - 1)
    expect(await podPhase(sub.id)).toBe("Stopped")
    expect((await http.put(`/api/subscriptions/${sub.id}/start`, {}, user.token)).body.error.code).toBe(
      "INVALID_TRANSITION"
    )

    // Reactivation needs credit; then a new month from now, the slot back, scaled to 1.
    const refused = await http.post(`/api/subscriptions/${sub.id}/reactivate`, {}, user.token)
    expect(refused.status).toBe(402)
    expect(refused.body.error.code).toBe("INSUFFICIENT_CREDIT")
    await http.post(`/api/admin/users/${user.id}/credit-adjustment`, { amount: 50_000, reason: "back again" }, admin)
    const clock = (await http.get("/dev/clock")).body.data.now as string
    const back = await http.post(`/api/subscriptions/${sub.id}/reactivate`, {}, user.token)
    expect(back.status).toBe(200)
    expect(back.body.data).toMatchObject({ status: "ACTIVE", renewalStatus: "ACTIVE", suspendedAt: null })
    expect(Date.parse(back.body.data.periodStart) - Date.parse(clock)).toBeLessThan(60_000)
    expect(await usedQuota(user.token)).toBe(quotaHeld)
    expect(
      await waitFor(
        async () => (await http.get(`/api/instances/${sub.id}/status`, user.token)).body.data.status,
        "RUNNING"
      )
    ).toBe("RUNNING")
    expect(await balanceOf(http, user.token)).toBe(0)

    // Auto-renew off: at period end it expires, no charge, resources removed, slot freed.
    expect(
      (await http.put(`/api/subscriptions/${sub.id}/auto-renew`, { enabled: false }, user.token)).body.data
        .nextBillingDate
    ).toBeNull()
    await http.post(
      `/api/admin/users/${user.id}/credit-adjustment`,
      { amount: 70_000, reason: "would pay, but auto-renew is off" },
      admin
    )
    const last = await advanceDays(32)
    expect(last.jobs.renewals.expired).toBe(1)
    const expired = (await http.get(`/api/subscriptions/${sub.id}`, user.token)).body.data
    expect(expired).toMatchObject({ status: "EXPIRED", renewalStatus: "EXPIRED", instanceStatus: "TERMINATED" })
    expect(await balanceOf(http, user.token)).toBe(70_000)
    expect(await usedQuota(user.token)).toBe(quotaHeld - 1)
    expect(await podPhase(sub.id)).toBe("GONE")

    const audit = await exec(process.execPath, [compiledScript("audit")], {
      env: { ...process.env, DATABASE_URL: db.url }
    })
    expect(audit.stdout).toContain("AUDIT OK")
  })
})
