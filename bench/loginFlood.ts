/**
 * npm run bench:login-flood — API throughput (GET /api/wallet/info, a cheap authenticated read)
 * while 16 clients log in with valid passwords as fast as they can, as a ratio of the same
 * server's throughput without the flood, same run. Two servers: password work uncapped (the old
 * behaviour: PASSWORD_HASH_CONCURRENCY=64) and capped (the default queue). Not a test.
 */
import { startServer } from "../tests/support/server.ts"
import { benchDatabase, measure, type RunStats } from "./harness.ts"

const seconds = Number(process.env["BENCH_SECONDS"] ?? 5)
const apiClients = 8
const floodClients = 16
const admin = { email: "admin@minispod.local", password: "minispod-admin" }

const run = async (label: string, env: Record<string, string>) => {
  const db = await benchDatabase()
  const server = await startServer({
    DATABASE_URL: db.url,
    JWT_SECRET: "bench-login-flood-secret-bench-login-flood",
    ...env
  })
  try {
    const login = () =>
      fetch(`${server.baseUrl}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(admin)
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { data?: { accessToken?: string } } }))
    const token = (await login()).body.data!.accessToken!
    const read = async () => {
      const r = await fetch(`${server.baseUrl}/api/wallet/info`, { headers: { authorization: `Bearer ${token}` } })
      await r.arrayBuffer()
      if (r.status !== 200) throw new Error(String(r.status))
    }
    await measure(apiClients, 1, read) // warm-up
    const quiet = await measure(apiClients, seconds, read)
    let logins = 0
    let busy = 0
    let stop = false
    const flood = Promise.all(
      Array.from({ length: floodClients }, async () => {
        while (!stop) {
          const r = await login()
          if (r.status === 200) logins++
          else busy++
        }
      })
    )
    const flooded = await measure(apiClients, seconds, read)
    stop = true
    await flood
    const line = (s: RunStats) =>
      `${s.opsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${s.p50Ms.toFixed(1).padStart(6)} ms  p99 ${s.p99Ms.toFixed(1).padStart(7)} ms`
    process.stdout.write(
      `${label}\n  quiet:   ${line(quiet)}\n  flooded: ${line(flooded)}  (logins ${(logins / seconds).toFixed(0)}/s ok, ${(busy / seconds).toFixed(0)}/s told to retry)\n`
    )
    return flooded.opsPerSecond / quiet.opsPerSecond
  } finally {
    await server.stop()
    await db.close()
  }
}

process.stdout.write(
  `login flood bench — ${apiClients} API clients, ${floodClients} login clients, ${seconds} s per run\n`
)
const uncapped = await run("password work uncapped (PASSWORD_HASH_CONCURRENCY=64, the old behaviour)", {
  PASSWORD_HASH_CONCURRENCY: "64",
  PASSWORD_HASH_QUEUE: "1000"
})
const capped = await run("password work capped (defaults: 1 at a time, 128 waiting)", {})
process.stdout.write(
  `login flood: API throughput kept ${(uncapped * 100).toFixed(1)}% uncapped vs ${(capped * 100).toFixed(1)}% capped\n`
)
