import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { midtransSignature } from "../../adapters/midtrans/signature.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { adminToken, api, balanceOf, newUser, type StartedServer, startServer } from "../support/server.ts"
import { compiledScript } from "../support/compiled.ts"

const exec = promisify(execFile)
const serverKey = "SB-Mid-server-e2e-0123456789"

let db: TestDatabase
let server: StartedServer
let http: ReturnType<typeof api>

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false })
  server = await startServer({
    DATABASE_URL: db.url,
    JWT_SECRET: "payments-e2e-secret-payments-e2e-secret",
    MIDTRANS_SERVER_KEY: serverKey,
    PAYMENT_RECONCILE_CRON: "* * * * * *",
    PAYMENT_RECONCILE_AFTER_SECONDS: "1"
  })
  http = api(server.baseUrl)
})
afterAll(async () => {
  expect(await server.stop()).toBe(0)
  await db.drop()
})

const register = async (label: string) => {
  const response = await http.post("/api/auth/register", newUser(label))
  return { id: response.body.data.user.id as string, token: response.body.data.accessToken as string }
}

const topUp = async (token: string, amount: number) => {
  const response = await http.post("/api/wallet/topup", { amount, paymentMethod: "BANK_TRANSFER" }, token)
  expect(response.status).toBe(201)
  return response.body.data as { transactionId: string; redirectUrl: string; snapToken: string }
}

const balance = (token: string) => balanceOf(http, token)

const statusCodes: Record<string, string> = {
  settlement: "200",
  capture: "200",
  pending: "201",
  deny: "202",
  expire: "407",
  cancel: "200",
  failure: "202",
  refund: "200",
  partial_refund: "200",
  chargeback: "200"
}

/** A notification as Midtrans sends it, extra fields included, signed with the server key. */
const notification = (orderId: string, amount: number, status: string, extra: Record<string, unknown> = {}) => {
  const gross = `${amount}.00`
  const code = statusCodes[status] ?? "200"
  return {
    transaction_time: "2026-11-21 10:00:00",
    transaction_status: status,
    transaction_id: `mid-${orderId}`,
    status_message: "midtrans payment notification",
    status_code: code,
    signature_key: midtransSignature(orderId, code, gross, serverKey),
    payment_type: "bank_transfer",
    order_id: orderId,
    merchant_id: "G000000000",
    gross_amount: gross,
    currency: "IDR",
    va_numbers: [{ va_number: "12345678901", bank: "bca" }],
    payment_amounts: [],
    issuer: "bca",
    acquirer: "bca",
    ...extra
  }
}

const webhook = (body: unknown) => http.post("/api/webhooks/midtrans", body)

/**
 * Midtrans' truth first (the simulator's status API, which the server confirms every notification
 * with), then the notification: every status goes through the confirmation path.
 */
const confirmedWebhook = async (body: ReturnType<typeof notification>) => {
  const extra = body as Record<string, unknown>
  await db.sql`update midtrans_simulator set transaction_status = ${body.transaction_status},
    fraud_status = ${(extra["fraud_status"] as string | undefined) ?? null}, refund_amount = ${(extra["refund_amount"] as string | undefined) ?? null},
    refund_key = ${(extra["refund_key"] as string | undefined) ?? null} where order_id = ${body.order_id}`
  return webhook(body)
}

const eventCount = async () => {
  const [row] = await db.sql<Array<{ n: number }>>`select count(*)::bigint as n from events`
  return row!.n
}

describe("top-up through the local Midtrans simulator", () => {
  it("top up → press settle on the simulator page → balance up by exactly the amount; audit clean", async () => {
    const user = await register("sim")
    const created = await topUp(user.token, 125_000)
    expect(created.transactionId).toMatch(/^TXMP-\d+$/)
    expect(created.redirectUrl).toBe(`${server.baseUrl}/dev/midtrans/pay/${created.transactionId}`)
    const page = await fetch(created.redirectUrl).then((r) => r.text())
    expect(page).toContain("Midtrans simulator")
    expect(page).toContain(`${created.transactionId}`)
    const pending = await http.get("/api/wallet/transactions", user.token)
    expect(pending.body.data.items[0]).toMatchObject({
      transactionId: created.transactionId,
      status: "PENDING",
      type: "TOP_UP",
      amount: 125_000
    })

    const pressed = await fetch(`${created.redirectUrl}/settle`, { method: "POST", redirect: "manual" })
    expect(pressed.status).toBe(303)
    expect(decodeURIComponent(pressed.headers.get("location") ?? "")).toContain("webhook answered 200")
    expect(await balance(user.token)).toBe(125_000)
    const done = await http.get("/api/wallet/transactions", user.token)
    expect(done.body.data.items).toHaveLength(1)
    expect(done.body.data.items[0]).toMatchObject({
      transactionId: created.transactionId,
      status: "COMPLETED",
      balanceAfter: 125_000
    })

    const audit = await exec(process.execPath, [compiledScript("audit")], {
      env: { ...process.env, DATABASE_URL: db.url }
    })
    expect(audit.stdout).toMatch(/AUDIT OK/)
  })

  it("validates the top-up request and lists payment methods", async () => {
    const user = await register("validate")
    for (const [body, field] of [
      [{ amount: 9_999, paymentMethod: "QRIS" }, "body.amount"],
      [{ amount: 10_000_001, paymentMethod: "QRIS" }, "body.amount"],
      [{ amount: 10_000.5, paymentMethod: "QRIS" }, "body.amount"],
      [{ amount: 50_000, paymentMethod: "CASH" }, "body.paymentMethod"]
    ] as const) {
      const response = await http.post("/api/wallet/topup", body, user.token)
      expect(response.status, JSON.stringify(body)).toBe(400)
      expect(response.body.error.details.map((d: { field: string }) => d.field)).toContain(field)
    }
    const methods = await http.get("/api/wallet/payment-methods", user.token)
    expect(methods.body.data.items.map((m: { code: string }) => m.code)).toEqual([
      "BANK_TRANSFER",
      "E_WALLET",
      "CREDIT_CARD",
      "QRIS"
    ])
    expect(methods.body.data.pagination).toEqual({ page: 1, limit: 20, total: 4, totalPages: 1 })
    expect(methods.body.data.items[0]).toMatchObject({ minAmount: 10_000, maxAmount: 10_000_000 })
  })
})

describe("the webhook", () => {
  it("refuses bad signatures, wrong amounts, unknown orders and malformed bodies, writing nothing", async () => {
    const user = await register("refuse")
    const { transactionId } = await topUp(user.token, 60_000)
    const before = await eventCount()
    const forged = { ...notification(transactionId, 60_000, "settlement"), signature_key: "0".repeat(128) }
    const forgedResponse = await webhook(forged)
    expect(forgedResponse.status).toBe(401)
    expect(JSON.stringify(forgedResponse.body)).not.toContain(serverKey)
    expect((await webhook(notification(transactionId, 61_000, "settlement"))).status).toBe(400) // signed, but not our amount
    expect((await webhook(notification("TXMP-999999", 60_000, "settlement"))).status).toBe(404)
    expect((await http.raw("POST", "/api/webhooks/midtrans", '{"order_id":')).status).toBe(400)
    const missing = await webhook({ order_id: transactionId })
    expect(missing.status).toBe(400)
    expect(missing.body.error.details.map((d: { field: string }) => d.field)).toContain("body.signature_key")
    expect(await eventCount()).toBe(before)
    expect(await balance(user.token)).toBe(0)
    expect(server.output()).not.toContain(serverKey)
  })

  it("applies every status through a state machine that never moves backwards", async () => {
    const user = await register("statuses")
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ["deny", {}, "FAILED"],
      ["expire", {}, "FAILED"],
      ["cancel", {}, "FAILED"],
      ["failure", {}, "FAILED"],
      ["pending", {}, "PENDING"],
      ["capture", { fraud_status: "challenge" }, "PENDING"],
      ["capture", { fraud_status: "accept" }, "COMPLETED"]
    ]
    for (const [status, extra, expected] of cases) {
      const { transactionId } = await topUp(user.token, 20_000)
      expect((await confirmedWebhook(notification(transactionId, 20_000, status, extra))).status).toBe(200)
      const entry = await http.get(`/api/wallet/transactions/${transactionId}`, user.token)
      expect(entry.body.data.status, `${status} ${JSON.stringify(extra)}`).toBe(expected)
    }
    expect(await balance(user.token)).toBe(20_000) // only the accepted capture credited

    const { transactionId } = await topUp(user.token, 30_000)
    for (const status of ["settlement", "pending", "expire", "deny", "settlement"]) {
      expect((await confirmedWebhook(notification(transactionId, 30_000, status))).status).toBe(200)
    }
    expect(await balance(user.token)).toBe(50_000) // settled once; late statuses changed nothing
    const status = await http.get(`/api/wallet/transactions/${transactionId}/status`, user.token)
    expect(status.body.data).toMatchObject({ status: "SETTLED", gatewayStatus: "settlement" })
  })

  it("credits once for 10 concurrent identical notifications and answers 200 to each", async () => {
    const user = await register("concurrent")
    const { transactionId } = await topUp(user.token, 40_000)
    const body = notification(transactionId, 40_000, "settlement")
    const responses = await Promise.all(Array.from({ length: 10 }, () => confirmedWebhook(body)))
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200))
    expect(responses.filter((r) => r.body.data.applied)).toHaveLength(1)
    expect(await balance(user.token)).toBe(40_000)
  })

  it("debits refunds and chargebacks after settlement, never below zero, flagging the shortfall", async () => {
    const user = await register("reversal")
    const { transactionId } = await topUp(user.token, 100_000)
    await confirmedWebhook(notification(transactionId, 100_000, "settlement"))
    await confirmedWebhook(
      notification(transactionId, 100_000, "partial_refund", { refund_amount: "30000.00", refund_key: "rf-1" })
    )
    await confirmedWebhook(
      notification(transactionId, 100_000, "partial_refund", { refund_amount: "30000.00", refund_key: "rf-1" })
    ) // duplicate
    expect(await balance(user.token)).toBe(70_000)
    // The user spends most of it, then a chargeback of the rest arrives.
    const admin = await adminToken(http)
    await http.post(
      `/api/admin/users/${user.id}/credit-adjustment`,
      { amount: -60_000, reason: "spent elsewhere" },
      admin
    )
    await confirmedWebhook(notification(transactionId, 100_000, "chargeback"))
    expect(await balance(user.token)).toBe(0)
    const status = await http.get(`/api/wallet/transactions/${transactionId}/status`, user.token)
    expect(status.body.data).toMatchObject({ status: "SETTLED", reversedAmount: 100_000, gatewayStatus: "chargeback" })
    const [row] = await db.sql<
      Array<{ shortfall: number }>
    >`select shortfall from payments where order_id = ${transactionId}`
    expect(row!.shortfall).toBe(60_000)
  })
})

describe("reversals without a refund key, and partial chargebacks, over HTTP", () => {
  // A keyless report carries the gateway's running total (the status API's refund_amount): two equal
  // refunds of 10,000 read 10,000 then 20,000 and are two refunds; the same report re-sent is none.
  it("two equal keyless partial refunds are two refunds, a re-sent one debits nothing more; a partial chargeback debits its amount", async () => {
    const user = await register("keyless")
    const { transactionId } = await topUp(user.token, 100_000)
    await confirmedWebhook(notification(transactionId, 100_000, "settlement"))
    await confirmedWebhook(notification(transactionId, 100_000, "partial_refund", { refund_amount: "10000.00" }))
    await confirmedWebhook(notification(transactionId, 100_000, "partial_refund", { refund_amount: "10000.00" })) // Midtrans retrying it
    expect(await balance(user.token)).toBe(90_000)
    await confirmedWebhook(notification(transactionId, 100_000, "partial_refund", { refund_amount: "20000.00" })) // a second refund of 10,000
    expect(await balance(user.token)).toBe(80_000)
    await confirmedWebhook(notification(transactionId, 100_000, "partial_refund", { refund_amount: "20000.00" })) // and its retry
    expect(await balance(user.token)).toBe(80_000)
    await confirmedWebhook(
      notification(transactionId, 100_000, "partial_chargeback", { refund_amount: "15000.00", refund_key: "cb-1" })
    )
    expect(await balance(user.token)).toBe(65_000)
    const status = await http.get(`/api/wallet/transactions/${transactionId}/status`, user.token)
    expect(status.body.data).toMatchObject({ status: "SETTLED", reversedAmount: 35_000 })
    const reversals = await db.sql<Array<{ amount: number }>>`
      select (data->>'amount')::int as amount from events where stream_id = ${`wallet-${user.id}`} and type = 'TopUpReversed' order by position`
    expect(reversals.map((r) => r.amount)).toEqual([10_000, 10_000, 15_000])
  })
})

describe("cancel, refresh and reconciliation", () => {
  it("lets only the owner cancel a pending top-up; a settled one cannot be cancelled", async () => {
    const owner = await register("cancel-owner")
    const other = await register("cancel-other")
    const { transactionId } = await topUp(owner.token, 15_000)
    expect((await http.post(`/api/wallet/transactions/${transactionId}/cancel`, {}, other.token)).status).toBe(404)
    const cancelled = await http.post(`/api/wallet/transactions/${transactionId}/cancel`, {}, owner.token)
    expect(cancelled.body.data.status).toBe("CANCELLED")
    const settled = await topUp(owner.token, 15_000)
    await confirmedWebhook(notification(settled.transactionId, 15_000, "settlement"))
    const refused = await http.post(`/api/wallet/transactions/${settled.transactionId}/cancel`, {}, owner.token)
    expect(refused.status).toBe(409)
    expect(refused.body.error.code).toBe("INVALID_TRANSITION")
  })

  it("a webhook that never arrived still credits the wallet once (reconciliation)", async () => {
    const user = await register("lost-webhook")
    const { transactionId } = await topUp(user.token, 45_000)
    // Midtrans settled it, but the notification was lost.
    await db.sql`update midtrans_simulator set transaction_status = 'settlement', fraud_status = 'accept' where order_id = ${transactionId}`
    const deadline = Date.now() + 20_000
    while ((await balance(user.token)) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    expect(await balance(user.token)).toBe(45_000)
  })

  it("a webhook and a status refresh at the same moment credit once", async () => {
    const user = await register("race")
    const { transactionId } = await topUp(user.token, 35_000)
    await db.sql`update midtrans_simulator set transaction_status = 'settlement', fraud_status = 'accept' where order_id = ${transactionId}`
    const body = notification(transactionId, 35_000, "settlement")
    await Promise.all([
      ...Array.from({ length: 4 }, () => webhook(body)),
      ...Array.from({ length: 4 }, () => http.get(`/api/wallet/transactions/${transactionId}/status`, user.token))
    ])
    expect(await balance(user.token)).toBe(35_000)
    const [row] = await db.sql<Array<{ n: number }>>`
      select count(*)::bigint as n from events where type = 'TopUpCredited' and data->>'reference' = ${`topup:${transactionId}`}`
    expect(row!.n).toBe(1)
  })
})

describe("after all of the above", () => {
  it("npm run audit replays every wallet and payment and finds nothing wrong", async () => {
    const audit = await exec(process.execPath, [compiledScript("audit")], {
      env: { ...process.env, DATABASE_URL: db.url }
    })
    expect(audit.stdout).toMatch(/AUDIT OK/)
    expect(audit.stdout).toMatch(/payments: [1-9]\d*/)
    // A payments row edited behind the log's back is caught.
    const edited = await db.sql<
      Array<{ order_id: string }>
    >`update payments set status = 'SETTLED' where status = 'CANCELLED' returning order_id`
    const failed = await exec(process.execPath, [compiledScript("audit")], {
      env: { ...process.env, DATABASE_URL: db.url }
    }).then(
      () => expect.unreachable("audit must fail"),
      (error: { code: number; stdout: string }) => error
    )
    expect(failed.code).toBe(1)
    expect(failed.stdout).toMatch(/payments row .* differs from replay/)
    // Put back, for the run's closing audit.
    await db.sql`update payments set status = 'CANCELLED' where order_id = any(${edited.map((r) => r.order_id)})`
  })
})
