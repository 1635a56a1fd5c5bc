/**
 * npm run bench:revocation — how long a revoked session's access token keeps working: logout on
 * one replica, the token polled every 20 ms on the same replica and on a second one (two servers,
 * one database). Not a test; the second figure is bounded by SESSION_CHECK_CACHE_SECONDS.
 */
import { startServer } from "../tests/support/server.ts"
import { benchDatabase } from "./harness.ts"

const rounds = Number(process.env["BENCH_ROUNDS"] ?? 3)
const db = await benchDatabase()
const env = { DATABASE_URL: db.url, JWT_SECRET: "bench-revocation-secret-bench-revocation" }
const [a, b] = [await startServer(env), await startServer(env)]
const admin = { email: "admin@minispod.local", password: "minispod-admin" }
const post = (base: string, path: string, body: unknown) =>
  fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body)
  }).then((r) => r.json() as Promise<any>)
const refusedAfter = async (base: string, token: string, since: number) => {
  for (;;) {
    const r = await fetch(`${base}/api/auth/profile`, { headers: { authorization: `Bearer ${token}` } })
    await r.arrayBuffer()
    if (r.status === 401) return performance.now() - since
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
const same: Array<number> = []
const other: Array<number> = []
for (let i = 0; i < rounds; i++) {
  const session = (await post(a.baseUrl, "/api/auth/login", admin)).data
  // Both replicas have seen (and cached) the session as active.
  for (const s of [a, b])
    await fetch(`${s.baseUrl}/api/auth/profile`, { headers: { authorization: `Bearer ${session.accessToken}` } })
  const t0 = performance.now()
  await post(a.baseUrl, "/api/auth/logout", { refreshToken: session.refreshToken })
  const [x, y] = await Promise.all([
    refusedAfter(a.baseUrl, session.accessToken, t0),
    refusedAfter(b.baseUrl, session.accessToken, t0)
  ])
  same.push(x)
  other.push(y)
}
await Promise.all([a.stop(), b.stop()])
await db.close()
const max = (xs: Array<number>) => Math.max(...xs).toFixed(0)
process.stdout.write(
  `revoked session refused after: same replica max ${max(same)} ms, other replica max ${max(other)} ms (${rounds} rounds)\n`
)
