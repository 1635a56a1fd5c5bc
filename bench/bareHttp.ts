import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { connect } from "../adapters/postgres/client.ts"

/**
 * bench:http's baseline, in its own process like the server: bare node:http and postgres.js, no
 * framework, no authentication, one select of the wallet read model per request — the least an
 * HTTP read backed by Postgres costs on this machine. Prints `listening <url>` when ready.
 */
const sql = connect(process.env["DATABASE_URL"]!, { max: 16 })
const userId = process.env["BENCH_USER_ID"]!
const server = createServer(async (_req, res) => {
  const [row] = await sql<Array<{ balance: number; total_top_up: number; total_spent: number }>>`
    select balance, total_top_up, total_spent from wallet_balances where user_id = ${userId}`
  res.writeHead(200, { "content-type": "application/json" })
  res.end(
    JSON.stringify({
      success: true,
      data: { balance: row?.balance ?? 0, totalTopUp: row?.total_top_up ?? 0, totalSpent: row?.total_spent ?? 0 }
    })
  )
})
server.keepAliveTimeout = 60_000
server.listen(0, "127.0.0.1", () =>
  process.stdout.write(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}\n`)
)
process.on("SIGTERM", () => {
  server.closeAllConnections()
  server.close(() => void sql.end().then(() => process.exit(0)))
})
