import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import type { TestDatabase } from "../support/database.ts"
import { serverForFile } from "../support/e2eServer.ts"
import { seededPlans, seededServices } from "../support/seededCatalog.ts"
import { type Api, balanceOf, customer } from "../support/server.ts"
import { compiledScript } from "../support/compiled.ts"

const exec = promisify(execFile)
const { n8nBasic, ghostBasic, wordpressBasic } = seededPlans
const n8nService = seededServices.n8n

let db: TestDatabase
let http: Api
let admin: string
serverForFile(
  { JWT_SECRET: "coupon-e2e-secret-coupon-e2e-secret", SIM_CLUSTER_READY_MS: "600000" },
  (world) => ({ db, http, admin } = world)
)

const balance = (token: string) => balanceOf(http, token)

describe("coupons", () => {
  it("CREDIT_TOPUP: validate, redeem once (promotions → wallet), history; then ALREADY_USED", async () => {
    expect(
      (
        await http.post(
          "/api/admin/coupons",
          { code: "welcome50", name: "Welcome", type: "CREDIT_TOPUP", value: 50_000, maxUses: 100 },
          admin
        )
      ).status
    ).toBe(201)
    const user = await customer(http, admin, "credit", 0)
    expect((await http.post("/api/wallet/validate-coupon", { code: "WELCOME50" }, user.token)).body.data).toMatchObject(
      { valid: true, type: "CREDIT_TOPUP", benefit: 50_000 }
    )
    expect(await balance(user.token)).toBe(0)
    const redeemed = await http.post("/api/wallet/redeem-coupon", { code: "welcome50" }, user.token)
    expect(redeemed.status).toBe(201)
    expect(await balance(user.token)).toBe(50_000)
    const again = await http.post("/api/wallet/redeem-coupon", { code: "WELCOME50" }, user.token)
    expect(again.status).toBe(422)
    expect(again.body.error).toMatchObject({ code: "INVALID_COUPON", details: { reason: "ALREADY_USED" } })
    expect((await http.get("/api/wallet/coupon-history", user.token)).body.data).toEqual({
      items: [expect.objectContaining({ code: "WELCOME50", amount: 50_000 })],
      pagination: { page: 1, limit: 20, total: 1, totalPages: 1 }
    })
    const entry = (await http.get("/api/wallet/transactions", user.token)).body.data.items[0]
    expect(entry).toMatchObject({ type: "COUPON_CREDIT", fromAccount: "promotions" })
    expect(
      (await http.post("/api/wallet/redeem-coupon", { code: "NOPE-NOPE" }, user.token)).body.error.details.reason
    ).toBe("NOT_FOUND")
  })

  it("SUBSCRIPTION_DISCOUNT applies to the first charge, limited to its service", async () => {
    await http.post(
      "/api/admin/coupons",
      {
        code: "N8N20",
        name: "n8n 20%",
        type: "SUBSCRIPTION_DISCOUNT",
        value: 20,
        discountKind: "PERCENT",
        serviceIds: [n8nService]
      },
      admin
    )
    const user = await customer(http, admin, "discount", 100_000)
    const validation = await http.post(
      "/api/subscriptions/validate",
      { planId: n8nBasic, couponCode: "N8N20" },
      user.token
    )
    expect(validation.body.data).toMatchObject({ valid: true, price: 40_000, discount: 10_000, balanceAfter: 60_000 })
    const wrong = await http.post("/api/subscriptions", { planId: ghostBasic, couponCode: "N8N20" }, user.token)
    expect(wrong.body.error).toMatchObject({ code: "INVALID_COUPON", details: { reason: "NOT_FOR_THIS_PLAN" } })
    expect((await http.post("/api/subscriptions", { planId: n8nBasic, couponCode: "N8N20" }, user.token)).status).toBe(
      201
    )
    expect(await balance(user.token)).toBe(60_000)
  })

  it("FREE_SERVICE gives its plan with no charge, recorded for audit", async () => {
    await http.post(
      "/api/admin/coupons",
      {
        code: "FREEWP",
        name: "Free WordPress",
        type: "FREE_SERVICE",
        value: 0,
        freePlanId: wordpressBasic,
        freeMonths: 3
      },
      admin
    )
    const user = await customer(http, admin, "free", 0)
    const sub = await http.post("/api/subscriptions", { planId: wordpressBasic, couponCode: "FREEWP" }, user.token)
    expect(sub.status).toBe(201)
    expect(await balance(user.token)).toBe(0)
    const [event] = await db.sql<
      Array<{ data: { charged: number } }>
    >`select data from events where stream_id = ${`subscription-${sub.body.data.id}`} and stream_version = 1`
    expect(event!.data.charged).toBe(0)
    expect((await http.get("/api/wallet/coupon-history", user.token)).body.data.items[0]).toMatchObject({
      code: "FREEWP",
      subscriptionId: sub.body.data.id
    })
  })

  it("admin: list, statistics, bulk status, update; delete only when unused; validation names fields", async () => {
    const unused = (
      await http.post(
        "/api/admin/coupons",
        { code: "UNUSED", name: "Unused", type: "CREDIT_TOPUP", value: 1_000 },
        admin
      )
    ).body.data
    expect((await http.get("/api/admin/coupons", admin)).body.data.pagination.total).toBeGreaterThanOrEqual(4)
    const stats = (await http.get("/api/admin/coupons/statistics", admin)).body.data
    expect(stats).toMatchObject({ redemptions: 3, creditGranted: 50_000 })
    expect(stats.discountGiven).toBeGreaterThanOrEqual(10_000)
    const used = (await http.get("/api/admin/coupons", admin)).body.data.items.find(
      (c: { code: string }) => c.code === "WELCOME50"
    )
    expect(
      (await http.put("/api/admin/coupons/bulk-status", { ids: [used.id, unused.id], isActive: false }, admin)).body
        .data.updated
    ).toBe(2)
    const user = await customer(http, admin, "inactive", 0)
    expect(
      (await http.post("/api/wallet/redeem-coupon", { code: "UNUSED" }, user.token)).body.error.details.reason
    ).toBe("INACTIVE")
    expect(
      (await http.put(`/api/admin/coupons/${unused.id}`, { isActive: true, maxUses: 1 }, admin)).body.data
    ).toMatchObject({ isActive: true, maxUses: 1 })
    expect((await http.delete(`/api/admin/coupons/${used.id}`, admin)).status).toBe(409)
    expect((await http.delete(`/api/admin/coupons/${unused.id}`, admin)).status).toBe(200)
    const invalid = await http.post(
      "/api/admin/coupons",
      { code: "BAD", name: "Bad", type: "SUBSCRIPTION_DISCOUNT", value: 150, discountKind: "PERCENT" },
      admin
    )
    expect(invalid.status).toBe(400)
    expect(invalid.body.error.details.map((d: { field: string }) => d.field)).toContain("body.value")
    expect(
      (await http.post("/api/admin/coupons", { code: "X1Y2", name: "x", type: "CREDIT_TOPUP", value: 1 }, user.token))
        .status
    ).toBe(403)
    const audit = await exec(process.execPath, [compiledScript("audit")], {
      env: { ...process.env, DATABASE_URL: db.url }
    })
    expect(audit.stdout).toMatch(/AUDIT OK/)
  })
})
