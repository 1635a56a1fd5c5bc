import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { midtransSignature } from "../../adapters/midtrans/signature.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { adminToken, api, customer, type StartedServer, startServer } from "../support/server.ts"

/**
 * The earlier version's clients, replayed: the request shapes of the seeds' `rest/*.rest` files
 * (wallet-midtrans.rest, the webhook simulation, admin plans, instances) against a started server,
 * checking the field names those clients read.
 */
const n8n = {
  service: "50000000-0000-4000-8000-000000000001",
  free: "90000000-0000-4000-8000-000000000001",
  basic: "90000000-0000-4000-8000-000000000002",
  pro: "90000000-0000-4000-8000-000000000003"
}
const serverKey = "SB-Mid-server-seedcompat-e2e"

let db: TestDatabase
let server: StartedServer
let http: ReturnType<typeof api>
let admin: string
/** Where MIDTRANS_NOTIFICATION_URL points: records each notification and relays it to the server. */
let relay: Server
const relayed: Array<{ path: string; status: number }> = []

beforeAll(async () => {
  relay = createServer((req, res) => {
    let body = ""
    req.on("data", (c: Buffer) => (body += c.toString()))
    req.on("end", async () => {
      const answer = await fetch(`${server.baseUrl}${req.url}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body
      })
      relayed.push({ path: req.url ?? "", status: answer.status })
      res.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text())
    })
  })
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve))
  const relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`
  db = await createTestDatabase({ migrate: false })
  server = await startServer({
    DATABASE_URL: db.url,
    JWT_SECRET: "seedcompat-e2e-secret-seedcompat-e2e",
    JWT_EXPIRES_IN: "2h",
    JWT_REFRESH_EXPIRES_IN: "7d",
    MIDTRANS_SERVER_KEY: serverKey,
    MIDTRANS_NOTIFICATION_URL: `${relayUrl}/api/webhooks/midtrans/notification`,
    SIM_CLUSTER_READY_MS: "600000"
  })
  http = api(server.baseUrl)
  admin = await adminToken(http)
})
afterAll(async () => {
  await server.stop()
  await db.drop()
  relay.close()
})

const balanceRows = async (userId: string) =>
  (
    await db.sql<
      Array<{ balance: number }>
    >`select balance::int as balance from wallet_balances where user_id = ${userId}`
  )[0]?.balance ?? 0

describe("seed compatibility", () => {
  it('honours JWT_EXPIRES_IN ("2h"): the access token lives two hours', async () => {
    const login = await http.post("/api/auth/login", { email: "admin@minispod.local", password: "minispod-admin" })
    const lifetime = (Date.parse(login.body.data.accessTokenExpiresAt) - Date.now()) / 1000
    expect(lifetime).toBeGreaterThan(7200 - 120)
    expect(lifetime).toBeLessThanOrEqual(7200)
  })

  it("wallet-midtrans.rest: the wallet shows creditBalance, top-up minimum in the seeds' words, a Snap top-up notified through MIDTRANS_NOTIFICATION_URL on the seeds' path", async () => {
    const user = await customer(http, admin, "seedwallet", 0)
    const tooSmall = await http.post("/api/wallet/topup", { amount: 5_000, paymentMethod: "CREDIT_CARD" }, user.token)
    expect(tooSmall.status).toBe(400)
    expect(tooSmall.body).toMatchObject({
      success: false,
      message: "Minimum top-up amount is Rp 10,000",
      error: {
        code: "VALIDATION_FAILED",
        details: [{ field: "body.amount", message: "Minimum top-up amount is Rp 10,000" }]
      }
    })

    const topUp = await http.post("/api/wallet/topup", { amount: 50_000, paymentMethod: "CREDIT_CARD" }, user.token)
    expect(topUp.status).toBe(201)
    // The simulator's payment page settles it and notifies where the Snap request said (X-Override-Notification).
    const paid = await fetch(`${server.baseUrl}/dev/midtrans/pay/${topUp.body.data.transactionId}/settle`, {
      method: "POST",
      redirect: "manual"
    })
    expect(decodeURIComponent(paid.headers.get("location") ?? "")).toMatch(/webhook answered 200/)
    expect(relayed).toContainEqual({ path: "/api/webhooks/midtrans/notification", status: 200 })

    const info = await http.get("/api/wallet/info", user.token)
    expect(info.body.data).toMatchObject({ balance: 50_000, creditBalance: 50_000, totalTopUp: 50_000 })
  })

  it("the webhook simulation of the seeds, on both earlier paths, with Midtrans' extra fields: credited once; a bad signature is refused", async () => {
    const user = await customer(http, admin, "seedhook", 0)
    const topUp = await http.post("/api/wallet/topup", { amount: 75_000, paymentMethod: "BANK_TRANSFER" }, user.token)
    const orderId = topUp.body.data.transactionId as string
    const notification = (signature: string) => ({
      transaction_time: "2024-01-15 10:30:00",
      transaction_status: "settlement",
      transaction_id: "test-transaction-123",
      status_message: "midtrans payment notification",
      status_code: "200",
      signature_key: signature,
      payment_type: "credit_card",
      order_id: orderId,
      merchant_id: "test-merchant",
      gross_amount: "75000.00",
      fraud_status: "accept",
      currency: "IDR"
    })
    const forged = await http.post("/api/webhooks/midtrans/notification", notification("test-signature"))
    expect(forged.status).toBe(401)
    expect(forged.body.error.code).toBe("UNAUTHENTICATED")
    // The simulator must say "settlement" too (the status API confirms every notification).
    await db.sql`update midtrans_simulator set transaction_status = 'settlement', fraud_status = 'accept' where order_id = ${orderId}`
    const signed = notification(midtransSignature(orderId, "200", "75000.00", serverKey))
    const first = await http.post("/api/webhooks/midtrans/notification", signed)
    expect(first.status).toBe(200)
    expect(first.body.data.applied).toBe(true)
    const again = await http.post("/api/wallet/webhook/midtrans", signed)
    expect(again.status).toBe(200)
    expect(again.body.data.applied).toBe(false)
    expect((await http.get("/api/wallet/info", user.token)).body.data.creditBalance).toBe(75_000)
    expect(await balanceRows(user.id)).toBe(75_000)
  })

  it("plans read and accept bandwidth; subscriptions read startDate, endDate, nextBilling; instances accept envVars", async () => {
    const plans = await http.get("/api/catalog/services/n8n/plans", admin)
    for (const plan of plans.body.data.items) expect(plan.bandwidth).toBe(plan.bandwidthGb)

    const created = await http.post(
      `/api/admin/services/${n8n.service}/plans`,
      {
        name: "n8n Seed",
        planType: "ENTERPRISE",
        monthlyPrice: 900_000,
        cpuMilli: 2000,
        memoryMb: 4096,
        storageGb: 50,
        bandwidth: 500,
        totalQuota: 3
      },
      admin
    )
    expect(created.status).toBe(201)
    expect(created.body.data).toMatchObject({ bandwidthGb: 500, bandwidth: 500 })
    const updated = await http.put(
      `/api/admin/services/${n8n.service}/plans/${created.body.data.id}`,
      { bandwidth: 800 },
      admin
    )
    expect(updated.body.data).toMatchObject({ bandwidthGb: 800, bandwidth: 800 })
    const disagreeing = await http.put(
      `/api/admin/services/${n8n.service}/plans/${created.body.data.id}`,
      { bandwidth: 1, bandwidthGb: 2 },
      admin
    )
    expect(disagreeing.status).toBe(400)
    expect(disagreeing.body.error.details).toEqual([
      { field: "body.bandwidth", message: "must equal bandwidthGb (it is its deprecated name)" }
    ])
    await http.put(`/api/admin/services/${n8n.service}/plans/${created.body.data.id}`, { isActive: false }, admin)

    const user = await customer(http, admin, "seedsub", 100_000)
    const subscribed = await http.post("/api/subscriptions", { planId: n8n.basic }, user.token)
    expect(subscribed.status).toBe(201)
    const listed = (await http.get("/api/subscriptions", user.token)).body.data.items[0]
    for (const view of [
      subscribed.body.data,
      listed,
      (await http.get(`/api/subscriptions/${listed.id}`, user.token)).body.data
    ]) {
      expect(view).toMatchObject({
        startDate: view.periodStart,
        endDate: view.periodEnd,
        nextBilling: view.nextBillingDate
      })
      expect(view.nextBilling).toBe(view.periodEnd)
    }

    const env = await http.put(`/api/instances/${listed.id}`, { envVars: { N8N_TIMEZONE: "Asia/Jakarta" } }, user.token)
    expect(env.status).toBe(200)
    expect(
      (await db.sql<Array<{ env: unknown }>>`select env from instance_env where subscription_id = ${listed.id}`)[0]?.env
    ).toEqual({ N8N_TIMEZONE: "Asia/Jakarta" })
    const both = await http.put(`/api/instances/${listed.id}`, { env: {}, envVars: {} }, user.token)
    expect(both.status).toBe(400)
  })

  it("insufficient credit names the shortfall in rupiah the Indonesian way; DUPLICATE_SUBSCRIPTION offers the tiers above the held plan", async () => {
    const poor = await customer(http, admin, "seedpoor", 10_000)
    const short = await http.post("/api/subscriptions", { planId: n8n.basic }, poor.token)
    expect(short.status).toBe(402)
    expect(short.body).toMatchObject({
      message: "Insufficient credit: you need Rp 40.000 more",
      error: { code: "INSUFFICIENT_CREDIT", details: { shortfall: 40_000 } }
    })

    const holder = await customer(http, admin, "seedholder", 100_000)
    expect((await http.post("/api/subscriptions", { planId: n8n.basic }, holder.token)).status).toBe(201)
    // Asking for a higher plan (PRO) used to answer upgradeOptions: [].
    for (const planId of [n8n.pro, n8n.free]) {
      const duplicate = await http.post("/api/subscriptions", { planId }, holder.token)
      expect(duplicate.status).toBe(409)
      expect(duplicate.body.error.code).toBe("DUPLICATE_SUBSCRIPTION")
      expect(duplicate.body.error.details.upgradeOptions).toEqual([n8n.pro])
    }
    const validation = await http.post("/api/subscriptions/validate", { planId: n8n.pro }, holder.token)
    expect(validation.body.data.errors[0].details.upgradeOptions).toEqual([n8n.pro])
  })

  it("subscription list and detail embed plan, service and instance; instance views carry URLs and timestamps", async () => {
    await http.put(`/api/admin/services/${n8n.service}`, { icon: "https://cdn.example.com/icons/n8n.svg" }, admin)
    const user = await customer(http, admin, "seedview", 100_000)
    const created = (await http.post("/api/subscriptions", { planId: n8n.basic, instanceName: "flows" }, user.token))
      .body.data
    const listed = (await http.get("/api/subscriptions", user.token)).body.data.items[0]
    const detail = (await http.get(`/api/subscriptions/${created.id}`, user.token)).body.data
    for (const view of [created, listed, detail]) {
      expect(view.plan).toMatchObject({
        id: n8n.basic,
        name: expect.any(String),
        planType: "BASIC",
        monthlyPrice: 50_000
      })
      expect(view.service).toEqual({
        id: n8n.service,
        name: "n8n",
        slug: "n8n",
        icon: "https://cdn.example.com/icons/n8n.svg",
        categorySlug: "automation"
      })
      expect(view.instance).toMatchObject({
        id: created.id,
        name: "flows",
        status: "PROVISIONING",
        publicUrl: expect.stringMatching(/^https:\/\/flows-[0-9a-f]{8}\./),
        adminUrl: null,
        lastStartedAt: null,
        lastStoppedAt: null
      })
    }
    const instance = (await http.get(`/api/instances/${created.id}`, user.token)).body.data
    expect(instance).toMatchObject({
      subscriptionId: created.id,
      plan: { planType: "BASIC" },
      service: { slug: "n8n" },
      lastStartedAt: null,
      lastStoppedAt: null
    })
    expect((await http.get("/api/instances", user.token)).body.data.items[0]).toEqual(instance)
    // A bonus subscription is a 0-rupiah line in the history, with its reason.
    const bonus = await http.post(
      "/api/admin/subscriptions",
      { userId: user.id, planId: "90000000-0000-4000-8000-000000000005", reason: "launch partner" },
      admin
    )
    expect(bonus.status).toBe(201)
    expect(bonus.body.data).toMatchObject({
      plan: { id: "90000000-0000-4000-8000-000000000005" },
      service: { slug: "ghost" }
    })
    const history = (await http.get("/api/wallet/transactions", user.token)).body.data.items
    expect(history.find((t: { amount: number }) => t.amount === 0)).toMatchObject({
      type: "SUBSCRIPTION",
      status: "COMPLETED",
      direction: "DEBIT",
      amount: 0,
      description: expect.stringMatching(/free \(bonus subscription\)/)
    })
    expect((await http.get("/api/wallet/info", user.token)).body.data.balance).toBe(50_000)
    const audit = (await http.get("/api/admin/audit/ledger", admin)).body.data
    expect(audit).toMatchObject({ ok: true, problemCount: 0 })
  })

  it("POST /api/instances subscribes and DELETE /api/instances/:id cancels, with the subscription endpoints' rules, errors and refunds", async () => {
    const user = await customer(http, admin, "seedinst", 60_000)
    const bad = await http.post("/api/instances", { planId: n8n.basic, name: "Not A Label" }, user.token)
    expect(bad.status).toBe(400)
    expect(bad.body.error.details[0].field).toBe("body.name")
    const headers = { "idempotency-key": "seedinst-create-1" }
    const created = await http.post("/api/instances", { planId: n8n.basic, name: "shop" }, user.token, headers)
    expect(created.status).toBe(201)
    expect(created.body.data).toMatchObject({
      name: "shop",
      resourceName: "shop",
      status: "PROVISIONING",
      plan: { id: n8n.basic },
      service: { slug: "n8n" }
    })
    // The same key and body replays the first answer and charges once.
    const replay = await http.post("/api/instances", { planId: n8n.basic, name: "shop" }, user.token, headers)
    expect(replay.body.data.id).toBe(created.body.data.id)
    expect((await http.get("/api/wallet/info", user.token)).body.data.balance).toBe(10_000)
    const duplicate = await http.post("/api/instances", { planId: n8n.pro, name: "shop-two" }, user.token)
    expect(duplicate.status).toBe(409)
    expect(duplicate.body.error).toMatchObject({
      code: "DUPLICATE_SUBSCRIPTION",
      details: { upgradeOptions: [n8n.pro] }
    })
    const poor = await customer(http, admin, "seedinstpoor", 10_000)
    const short = await http.post("/api/instances", { planId: n8n.basic, name: "cheap" }, poor.token)
    expect(short.status).toBe(402)
    expect(short.body).toMatchObject({
      message: "Insufficient credit: you need Rp 40.000 more",
      error: { code: "INSUFFICIENT_CREDIT" }
    })

    const stranger = await customer(http, admin, "seedinststranger", 0)
    expect((await http.delete(`/api/instances/${created.body.data.id}`, stranger.token)).status).toBe(404)
    const deleted = await http.delete(`/api/instances/${created.body.data.id}`, user.token)
    expect(deleted.status).toBe(200)
    expect(deleted.body.data).toMatchObject({ id: created.body.data.id, status: "TERMINATED" })
    expect(deleted.body.data.lastStoppedAt).not.toBeNull()
    // Cancelled at once: the unused period is refunded (prorated, as DELETE /api/subscriptions/:id).
    const info = (await http.get("/api/wallet/info", user.token)).body.data
    expect(info.balance).toBeGreaterThan(10_000)
    expect((await http.get(`/api/subscriptions/${created.body.data.id}`, user.token)).body.data).toMatchObject({
      status: "CANCELLED",
      renewalStatus: "CANCELLED"
    })
    expect((await http.delete(`/api/instances/${created.body.data.id}`, user.token)).body.error.code).toBe(
      "INVALID_TRANSITION"
    )
    // Retrying the deleted one while holding another of the service: DUPLICATE_SUBSCRIPTION offers the tiers above it too.
    expect((await http.post("/api/instances", { planId: n8n.basic, name: "shop-again" }, user.token)).status).toBe(201)
    const retried = await http.post(`/api/subscriptions/${created.body.data.id}/retry-provisioning`, {}, user.token)
    expect(retried.status).toBe(409)
    expect(retried.body.error).toMatchObject({ code: "DUPLICATE_SUBSCRIPTION", details: { upgradeOptions: [n8n.pro] } })
  })

  it("a user's locale is chosen at registration (default id) and changed in the profile", async () => {
    const english = await http.post("/api/auth/register", {
      name: "Alice",
      email: "alice-locale@example.com",
      password: "correct horse battery",
      locale: "en"
    })
    expect(english.status).toBe(201)
    expect(english.body.data.user.locale).toBe("en")
    const plain = await http.post("/api/auth/register", {
      name: "Budi",
      email: "budi-locale@example.com",
      password: "correct horse battery"
    })
    expect(plain.body.data.user.locale).toBe("id")
    const token = plain.body.data.accessToken as string
    expect((await http.put("/api/auth/profile", { locale: "en" }, token)).body.data.locale).toBe("en")
    expect((await http.get("/api/auth/profile", token)).body.data.locale).toBe("en")
    expect((await http.get("/api/notifications/settings", token)).body.data.locale).toBe("en")
    const wrong = await http.put("/api/auth/profile", { locale: "fr" }, token)
    expect(wrong.status).toBe(400)
    expect(wrong.body.error.details[0].field).toBe("body.locale")
  })

  it("an unknown body field is VALIDATION_FAILED naming it, and changes nothing", async () => {
    const user = await customer(http, admin, "seedstrict", 100_000)
    const [before] = await db.sql<Array<{ n: number }>>`select count(*)::int as n from events`
    const cases: Array<[string, string, unknown, string]> = [
      [
        "POST",
        "/api/auth/register",
        { name: "X", email: "x-strict@example.com", password: "correct horse battery", role: "ADMINISTRATOR" },
        "body.role"
      ],
      ["POST", "/api/wallet/topup", { amount: 50_000, paymentMethod: "CREDIT_CARD", bonus: 1 }, "body.bonus"],
      ["POST", "/api/subscriptions", { planId: n8n.basic, price: 0 }, "body.price"],
      ["PUT", "/api/auth/profile", { name: "Ayu", isAdmin: true }, "body.isAdmin"],
      // A route without a body takes no fields either.
      ["POST", "/api/wallet/transactions/TXMP-1/cancel", { reason: "changed my mind" }, "body.reason"]
    ]
    for (const [method, path, body, field] of cases) {
      const response =
        method === "POST" ? await http.post(path, body, user.token) : await http.put(path, body, user.token)
      expect(response.status, path).toBe(400)
      expect(response.body).toMatchObject({
        success: false,
        error: { code: "VALIDATION_FAILED", details: [{ field, message: "is not a field of this request" }] }
      })
    }
    const [after] = await db.sql<Array<{ n: number }>>`select count(*)::int as n from events`
    expect(after!.n).toBe(before!.n)
    expect((await http.get("/api/auth/profile", user.token)).body.data.name).not.toBe("Ayu")
  })

  it("unknown routes and methods answer in the envelope: 404, and 405 with Allow", async () => {
    const missing = await http.get("/api/no-such-thing", admin)
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({ success: false, error: { code: "NOT_FOUND" } })
    const wrong = await http.delete("/api/wallet/info", admin)
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get("allow")).toMatch(/GET/)
    expect(wrong.headers.get("content-type")).toMatch(/application\/json/)
    expect(wrong.body).toMatchObject({
      success: false,
      error: { code: "METHOD_NOT_ALLOWED", details: { method: "DELETE" } }
    })
    const patch = await fetch(`${server.baseUrl}/api/subscriptions`, { method: "PATCH" })
    expect(patch.status).toBe(405)
    expect(((await patch.json()) as { error: { code: string } }).error.code).toBe("METHOD_NOT_ALLOWED")
  })

  it("/openapi.json marks every alias deprecated", async () => {
    const doc = (await http.get("/openapi.json")).body
    expect(doc.paths["/api/webhooks/midtrans"].post.deprecated).toBeUndefined()
    expect(doc.paths["/api/webhooks/midtrans/notification"].post.deprecated).toBe(true)
    expect(doc.paths["/api/wallet/webhook/midtrans"].post.deprecated).toBe(true)
    const schemas = doc.components.schemas
    expect(schemas.WalletInfo.properties.creditBalance.deprecated).toBe(true)
    expect(schemas.Plan.properties.bandwidth.deprecated).toBe(true)
    for (const field of ["startDate", "endDate", "nextBilling"])
      expect(schemas.Subscription.properties[field].deprecated).toBe(true)
    const planCreate = doc.paths["/api/admin/services/{id}/plans"].post.requestBody.content["application/json"].schema
    expect(planCreate.properties.bandwidth.deprecated).toBe(true)
    expect(planCreate.properties.bandwidthGb.deprecated).toBeUndefined()
    const instanceUpdate = doc.paths["/api/instances/{id}"].put.requestBody.content["application/json"].schema
    expect(instanceUpdate.properties.envVars.deprecated).toBe(true)
    // Request bodies refuse unknown fields, and say so; the webhook takes Midtrans' extra fields.
    expect(instanceUpdate.additionalProperties).toBe(false)
    expect(
      doc.paths["/api/webhooks/midtrans"].post.requestBody.content["application/json"].schema.additionalProperties
    ).not.toBe(false)
  })
})
