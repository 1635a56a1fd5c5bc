import { randomUUID } from "node:crypto"
import Router from "@koa/router"
import type { Sql } from "../postgres/client.ts"
import { midtransSignature, signatureMatches } from "./signature.ts"

/**
 * LOCAL MIDTRANS SIMULATOR (MIDTRANS_MODE=simulator, the embedded default). It speaks the parts
 * of Midtrans' HTTP API that MinisPod uses (Snap create, status, cancel), so the real
 * midtrans-client adapter talks to it through a base-URL override, and it serves a payment page
 * whose buttons set the simulated status and send a correctly signed notification to our own
 * webhook, exactly as Midtrans would. State lives in the `midtrans_simulator` table.
 */
export interface SimulatorOptions {
  readonly sql: Sql
  readonly serverKey: string
  /** This server's own base URL (known once it listens). */
  readonly selfUrl: () => string
}

export const simulatorPrefix = "/dev/midtrans"

interface SimRow {
  order_id: string
  gross_amount: string
  transaction_status: string
  fraud_status: string | null
  payment_type: string
  customer_email: string | null
  refund_amount: string | null
  refund_key: string | null
  notification_url: string | null
}

const statusCodeOf = (status: string) =>
  status === "pending" ? "201" : status === "deny" ? "202" : status === "expire" ? "407" : "200"

const actions = {
  settle: { transaction_status: "settlement", fraud_status: "accept" },
  deny: { transaction_status: "deny", fraud_status: "deny" },
  expire: { transaction_status: "expire", fraud_status: null },
  pending: { transaction_status: "pending", fraud_status: null }
} as const

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

export const makeSimulatorRouter = (options: SimulatorOptions) => {
  const { sql } = options
  const router = new Router({ prefix: simulatorPrefix })

  const authorized = (header: string) => {
    const expected = `Basic ${Buffer.from(`${options.serverKey}:`).toString("base64")}`
    return signatureMatches(expected, header)
  }

  /** The status body Midtrans returns (and notifications carry), signed with the server key. */
  const statusBody = (row: SimRow) => {
    const statusCode = statusCodeOf(row.transaction_status)
    return {
      status_code: statusCode,
      status_message: "Success, transaction is found",
      transaction_id: `sim-${row.order_id}`,
      order_id: row.order_id,
      gross_amount: row.gross_amount,
      currency: "IDR",
      payment_type: row.payment_type,
      transaction_time: new Date().toISOString().replace("T", " ").slice(0, 19),
      transaction_status: row.transaction_status,
      ...(row.fraud_status ? { fraud_status: row.fraud_status } : {}),
      ...(row.refund_amount ? { refund_amount: row.refund_amount } : {}),
      ...(row.refund_key ? { refund_key: row.refund_key } : {}),
      signature_key: midtransSignature(row.order_id, statusCode, row.gross_amount, options.serverKey),
      // Fields real payloads carry that MinisPod must accept and ignore.
      va_numbers: [{ bank: "bca", va_number: "12345678901" }],
      payment_amounts: [],
      issuer: "simulator",
      acquirer: "simulator"
    }
  }

  const find = async (orderId: string) =>
    (await sql<Array<SimRow>>`select * from midtrans_simulator where order_id = ${orderId}`)[0]

  router.post("/snap/v1/transactions", async (ctx) => {
    if (!authorized(ctx.get("authorization"))) {
      ctx.status = 401
      ctx.body = {
        error_messages: ["Access denied due to unauthorized transaction, please check client or server key"]
      }
      return
    }
    const body = ctx.request.body as {
      transaction_details?: { order_id?: string; gross_amount?: number }
      enabled_payments?: Array<string>
      customer_details?: { email?: string }
    }
    const orderId = body.transaction_details?.order_id
    const gross = body.transaction_details?.gross_amount
    if (typeof orderId !== "string" || typeof gross !== "number" || !Number.isSafeInteger(gross) || gross <= 0) {
      ctx.status = 400
      ctx.body = { error_messages: ["transaction_details.order_id and gross_amount are required"] }
      return
    }
    // Midtrans' X-Override-Notification: up to 3 comma-separated URLs replacing the dashboard's.
    const override = ctx.get("x-override-notification").trim() || null
    const inserted =
      await sql`insert into midtrans_simulator (order_id, gross_amount, transaction_status, payment_type, customer_email, notification_url, created_at, updated_at)
      values (${orderId}, ${`${gross}.00`}, 'pending', ${body.enabled_payments?.[0] ?? "bank_transfer"}, ${body.customer_details?.email ?? null}, ${override}, now(), now())
      on conflict do nothing`
    if (inserted.count === 0) {
      ctx.status = 400
      ctx.body = { error_messages: ["transaction_details.order_id has already been taken"] }
      return
    }
    ctx.status = 201
    ctx.body = {
      token: randomUUID(),
      redirect_url: `${options.selfUrl()}${simulatorPrefix}/pay/${encodeURIComponent(orderId)}`
    }
  })

  router.get("/v2/:orderId/status", async (ctx) => {
    if (!authorized(ctx.get("authorization"))) {
      ctx.status = 401
      ctx.body = { status_code: "401", status_message: "Unauthorized" }
      return
    }
    const row = await find(ctx.params["orderId"]!)
    ctx.status = row ? 200 : 404
    ctx.body = row ? statusBody(row) : { status_code: "404", status_message: "Transaction doesn't exist." }
  })

  router.post("/v2/:orderId/cancel", async (ctx) => {
    if (!authorized(ctx.get("authorization"))) {
      ctx.status = 401
      ctx.body = { status_code: "401", status_message: "Unauthorized" }
      return
    }
    const [row] = await sql<
      Array<SimRow>
    >`update midtrans_simulator set transaction_status = 'cancel', updated_at = now()
      where order_id = ${ctx.params["orderId"]!} and transaction_status = 'pending' returning *`
    ctx.status = row ? 200 : 412
    ctx.body = row
      ? statusBody(row)
      : { status_code: "412", status_message: "Merchant cannot modify the status of the transaction" }
  })

  router.get("/pay/:orderId", async (ctx) => {
    const row = await find(ctx.params["orderId"]!)
    ctx.type = "html"
    if (!row) {
      ctx.status = 404
      ctx.body = "<!doctype html><title>Unknown order</title><p>Unknown order.</p>"
      return
    }
    const result =
      typeof ctx.query["result"] === "string" ? `<p role="status">${escapeHtml(ctx.query["result"])}</p>` : ""
    const button = (action: keyof typeof actions, label: string) =>
      `<form method="post" action="${simulatorPrefix}/pay/${encodeURIComponent(row.order_id)}/${action}"><button type="submit">${label}</button></form>`
    ctx.body = `<!doctype html><html><head><meta charset="utf-8"><title>Midtrans simulator — ${escapeHtml(row.order_id)}</title></head>
<body><h1>Midtrans simulator</h1><p><strong>Local simulator, no real money.</strong></p>
<dl><dt>Order</dt><dd>${escapeHtml(row.order_id)}</dd><dt>Amount</dt><dd>Rp ${escapeHtml(row.gross_amount)}</dd>
<dt>Status</dt><dd id="status">${escapeHtml(row.transaction_status)}</dd></dl>${result}
${button("settle", "Pay (settle)")}${button("deny", "Deny")}${button("expire", "Expire")}${button("pending", "Leave pending")}
</body></html>`
  })

  router.post("/pay/:orderId/:action", async (ctx) => {
    const action = actions[ctx.params["action"] as keyof typeof actions]
    const orderId = ctx.params["orderId"]!
    if (action === undefined) {
      ctx.status = 404
      return
    }
    const [row] = await sql<Array<SimRow>>`update midtrans_simulator
      set transaction_status = ${action.transaction_status}, fraud_status = ${action.fraud_status}, updated_at = now()
      where order_id = ${orderId} returning *`
    if (!row) {
      ctx.status = 404
      return
    }
    // Deliver the notification as Midtrans would: to the transaction's override URLs, else our own webhook.
    const targets = row.notification_url
      ?.split(",")
      .map((u) => u.trim())
      .filter(Boolean)
      .slice(0, 3) ?? [`${options.selfUrl()}/api/webhooks/midtrans`]
    const answers = await Promise.all(
      targets.map((target) =>
        fetch(target, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(statusBody(row))
        }).then(
          (r) => r.status,
          () => "nothing (unreachable)"
        )
      )
    )
    const result = `${action.transaction_status}: webhook answered ${answers.join(", ")}`
    ctx.redirect(`${simulatorPrefix}/pay/${encodeURIComponent(orderId)}?result=${encodeURIComponent(result)}`)
    ctx.status = 303
  })

  return router
}
