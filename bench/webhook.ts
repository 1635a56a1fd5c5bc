/**
 * npm run bench:webhook — settled Midtrans notifications through HTTP (a started server) against
 * the foundation's raw ledger baseline, same database, same run; each notification settles a
 * distinct pending top-up. Measured twice: with the status-API confirmation (the default), answered
 * by a Midtrans stand-in in its own process (bench/midtransStandIn.ts) as Midtrans is in
 * production, and without it (MIDTRANS_CONFIRM_STATUS=false). The last line is the confirmed ratio.
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import { midtransSignature } from "../adapters/midtrans/signature.ts"
import { PaymentPolicy, requestTopUp } from "../application/payment/useCases.ts"
import { Users } from "../application/ports/users.ts"
import { postgresLayer } from "../infra/layers.ts"
import { PaymentGatewayStub } from "../tests/support/paymentGatewayStub.ts"
import { benchDatabase, measure, rawLedgerBaseline, statsHeader, statsLine } from "./harness.ts"
import { appendResult } from "./results.ts"
import { startBenchServer, startProcess } from "./server.ts"

const seconds = Number(process.env["BENCH_SECONDS"] ?? 3)
const concurrencies = [16, 64]
const userCount = 400
const orderCount = Number(process.env["BENCH_ORDERS"] ?? 12_000)
const serverKey = "SB-Mid-server-bench"
const amount = 50_000

const db = await benchDatabase()
const raw = await rawLedgerBaseline(db.url, 1_000)

// Pending top-ups, created through the application (Snap stubbed); the stand-in reports each
// one settled when the server confirms it.
const runtime = ManagedRuntime.make(
  Layer.mergeAll(
    PaymentGatewayStub,
    Layer.succeed(PaymentPolicy, { topUpExpirySeconds: 86_400, confirmWithStatusApi: true })
  ).pipe(Layer.provideMerge(postgresLayer(db.url, 16)))
)
const userIds = Array.from({ length: userCount }, (_, i) => `44444444-0000-4000-8000-${String(i).padStart(12, "0")}`)
await runtime.runPromise(
  Effect.forEach(
    userIds,
    (id, i) =>
      Effect.flatMap(Users, (u) =>
        u.create({
          id,
          name: `Bench ${i}`,
          email: `bench-${i}@example.com`,
          phone: null,
          avatar: null,
          role: "USER",
          isActive: true,
          locale: "id",
          passwordHash: "x",
          createdAt: new Date().toISOString(),
          updatedAt: new Date().toISOString()
        })
      ),
    { concurrency: 16 }
  )
)
const orders = await runtime.runPromise(
  Effect.forEach(
    Array.from({ length: orderCount }, (_, i) => userIds[i % userCount]!),
    (userId) => Effect.map(requestTopUp({ userId, amount, paymentMethod: "QRIS" }, {}), (t) => t.transactionId),
    { concurrency: 16 }
  )
)
await runtime.dispose()

const standIn = await startProcess(
  "bench/midtransStandIn.ts",
  { BENCH_SERVER_KEY: serverKey, BENCH_AMOUNT: String(amount) },
  /listening (\S+)/
)

const serverFor = (confirm: boolean) =>
  startBenchServer({
    DATABASE_URL: db.url,
    JWT_SECRET: "bench-secret-bench-secret-bench-secret-00",
    CHECK_RESPONSES: "false",
    MIDTRANS_MODE: "sandbox",
    MIDTRANS_SERVER_KEY: serverKey,
    MIDTRANS_API_BASE_URL: standIn.url,
    MIDTRANS_CONFIRM_STATUS: String(confirm)
  })
let baseUrl = ""
let next = 0
const settle = async () => {
  const orderId = orders[next++]
  if (orderId === undefined) throw new Error("out of orders: raise BENCH_ORDERS")
  const gross = `${amount}.00`
  const response = await fetch(`${baseUrl}/api/webhooks/midtrans`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      order_id: orderId,
      status_code: "200",
      gross_amount: gross,
      transaction_status: "settlement",
      fraud_status: "accept",
      signature_key: midtransSignature(orderId, "200", gross, serverKey),
      payment_type: "qris",
      currency: "IDR"
    })
  })
  const body = (await response.json()) as { data?: { applied?: boolean } }
  if (response.status !== 200 || body.data?.applied !== true) throw new Error(`webhook answered ${response.status}`)
}

process.stdout.write(
  `webhook bench — ${db.description}, ${orderCount} pending top-ups over ${userCount} wallets, ${seconds} s per run, status API in a separate process\n`
)
const ratios = new Map<string, number>()
const figures: Array<string> = []
for (const confirm of [true, false]) {
  const mode = confirm ? "confirmed" : "unconfirmed"
  const server = await serverFor(confirm)
  baseUrl = server.url
  process.stdout.write(`${confirm ? "with" : "without"} status-API confirmation\n${statsHeader("hook")}\n`)
  for (const c of concurrencies) {
    const a = await raw(c, seconds)
    const b = await measure(c, seconds, settle)
    if (b.failures > 0) process.stdout.write(`  (${b.failures} failed notifications at ${c})\n`)
    ratios.set(`${mode}@${c}`, b.opsPerSecond / a.opsPerSecond)
    figures.push(
      `${mode}@${c} ${Math.round(b.opsPerSecond)}/s p99 ${b.p99Ms.toFixed(1)} ms vs raw ${Math.round(a.opsPerSecond)}/s = ${(b.opsPerSecond / a.opsPerSecond).toFixed(3)}`
    )
    process.stdout.write(`${statsLine(String(c), a, b)}\n`)
  }
  await server.stop()
}
await standIn.stop()
await db.close()
await appendResult("bench:webhook", figures.join("; "))
process.stdout.write(`webhook (without confirmation) ratio@16 = ${ratios.get("unconfirmed@16")!.toFixed(3)}\n`)
process.stdout.write(`webhook ratio@16 = ${ratios.get("confirmed@16")!.toFixed(3)}\n`)
