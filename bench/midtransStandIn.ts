import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { midtransSignature } from "../adapters/midtrans/signature.ts"

/**
 * The Midtrans Core API's status endpoint for the benches, in its own process as Midtrans is in
 * production, so the server's measured CPU is only its own: every order it is asked about is
 * settled for BENCH_AMOUNT, signed with BENCH_SERVER_KEY. Prints `listening <url>` when ready.
 */
const serverKey = process.env["BENCH_SERVER_KEY"] ?? ""
const gross = `${Number(process.env["BENCH_AMOUNT"] ?? 0)}.00`
let answered = 0

const server = createServer((req, res) => {
  const status = /^\/v2\/([^/?]+)\/status/.exec(req.url ?? "")
  if (req.method !== "GET" || status === null) {
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ status_code: "404" }))
    return
  }
  const orderId = decodeURIComponent(status[1]!)
  answered++
  res.writeHead(200, { "content-type": "application/json" }).end(
    JSON.stringify({
      status_code: "200",
      status_message: "Success, transaction is found",
      transaction_id: `standin-${orderId}`,
      order_id: orderId,
      gross_amount: gross,
      currency: "IDR",
      payment_type: "qris",
      transaction_status: "settlement",
      fraud_status: "accept",
      signature_key: midtransSignature(orderId, "200", gross, serverKey)
    })
  )
})
server.keepAliveTimeout = 60_000
server.listen(0, "127.0.0.1", () =>
  process.stdout.write(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}\n`)
)
process.on("SIGTERM", () => {
  process.stdout.write(`answered ${answered}\n`)
  server.close(() => process.exit(0))
  server.closeAllConnections()
})
