/**
 * npm run bench:webhook — settled Midtrans notifications through HTTP (a started server, the
 * simulator answering its status-API confirmation) against the foundation's raw ledger
 * baseline, same database, same run. Each notification settles a distinct pending top-up.
 * BENCH_CONFIRM=false measures without the status-API confirmation hop.
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import { midtransSignature } from "../adapters/midtrans/signature.ts"
import { PaymentPolicy, requestTopUp } from "../application/payments/useCases.ts"
import { Users } from "../application/ports/users.ts"
import { ledgerLayer } from "../infra/layers.ts"
import { PaymentGatewayStub } from "../tests/support/paymentGatewayStub.ts"
import { startServer } from "../tests/support/server.ts"
import { benchDatabase, measure, rawLedgerBaseline, statsHeader, statsLine } from "./harness.ts"
import { connect } from "../adapters/postgres/client.ts"

const seconds = Number(process.env["BENCH_SECONDS"] ?? 3)
const concurrencies = [16, 64]
const userCount = 400
const orderCount = Number(process.env["BENCH_ORDERS"] ?? 12_000)
const serverKey = "SB-Mid-server-bench"
const amount = 50_000

const db = await benchDatabase()
const raw = await rawLedgerBaseline(db.url, 1_000)

// Pending top-ups, created through the application (Snap stubbed), and the simulator's record
// of each one as settled, so the server's status-API confirmation finds it.
const runtime = ManagedRuntime.make(
  Layer.mergeAll(PaymentGatewayStub, Layer.succeed(PaymentPolicy, { topUpExpirySeconds: 86_400, confirmWithStatusApi: true }))
    .pipe(Layer.provideMerge(ledgerLayer(db.url, 16)))
)
const userIds = Array.from({ length: userCount }, (_, i) => `44444444-0000-4000-8000-${String(i).padStart(12, "0")}`)
await runtime.runPromise(Effect.forEach(userIds, (id, i) => Effect.flatMap(Users, (u) => u.create({
  id, name: `Bench ${i}`, email: `bench-${i}@example.com`, phone: null, avatar: null, role: "USER", isActive: true, locale: "id",
  passwordHash: "x", createdAt: new Date().toISOString(), updatedAt: new Date().toISOString()
})), { concurrency: 16 }))
const orders = await runtime.runPromise(Effect.forEach(
  Array.from({ length: orderCount }, (_, i) => userIds[i % userCount]!),
  (userId) => Effect.map(requestTopUp({ userId, amount, paymentMethod: "QRIS" }, {}), (t) => t.transactionId),
  { concurrency: 16 }
))
await runtime.dispose()
const sql = connect(db.url, { max: 2 })
for (let i = 0; i < orders.length; i += 2_000) {
  await sql`insert into midtrans_simulator ${sql(orders.slice(i, i + 2_000).map((order_id) => ({
    order_id, gross_amount: `${amount}.00`, transaction_status: "settlement", fraud_status: "accept",
    payment_type: "qris", customer_email: null, created_at: new Date(), updated_at: new Date()
  })))}`
}
await sql.end()

const server = await startServer({ DATABASE_URL: db.url, MIDTRANS_SERVER_KEY: serverKey, MIDTRANS_CONFIRM_STATUS: process.env["BENCH_CONFIRM"] ?? "true", LOG_LEVEL: "error", JWT_SECRET: "bench-secret-bench-secret-bench-secret-00" })
let next = 0
const settle = async () => {
  const orderId = orders[next++]
  if (orderId === undefined) throw new Error("out of orders: raise BENCH_ORDERS")
  const gross = `${amount}.00`
  const response = await fetch(`${server.baseUrl}/api/webhooks/midtrans`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      order_id: orderId, status_code: "200", gross_amount: gross, transaction_status: "settlement", fraud_status: "accept",
      signature_key: midtransSignature(orderId, "200", gross, serverKey), payment_type: "qris", currency: "IDR"
    })
  })
  const body = await response.json() as { data?: { applied?: boolean } }
  if (response.status !== 200 || body.data?.applied !== true) throw new Error(`webhook answered ${response.status}`)
}

process.stdout.write(`webhook bench — ${db.description}, ${orderCount} pending top-ups over ${userCount} wallets, ${seconds} s per run\n`)
process.stdout.write(`${statsHeader("hook")}\n`)
const ratios = new Map<number, number>()
for (const c of concurrencies) {
  const a = await raw(c, seconds)
  const b = await measure(c, seconds, settle)
  if (b.failures > 0) process.stdout.write(`  (${b.failures} failed notifications at ${c})\n`)
  ratios.set(c, b.opsPerSecond / a.opsPerSecond)
  process.stdout.write(`${statsLine(String(c), a, b)}\n`)
}
await server.stop()
await db.close()
process.stdout.write(`webhook ratio@16 = ${ratios.get(16)!.toFixed(3)}\n`)
