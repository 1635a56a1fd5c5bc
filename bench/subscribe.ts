/**
 * npm run bench:subscribe — the subscribe use case (wallet charge + quota slot + subscription +
 * service guard, one transaction over four streams) against the foundation's raw ledger baseline
 * (insert the transfer event + guarded balance update), same database and run.
 */
import { Effect, ManagedRuntime } from "effect"
import { setPlanQuota } from "../application/catalog/useCases.ts"
import { creditTopUp } from "../application/ledger/useCases.ts"
import { subscribe } from "../application/subscription/useCases.ts"
import { postgresLayer } from "../infra/layers.ts"
import { benchDatabase, measure, rawLedgerBaseline, type RunStats, statsHeader, statsLine } from "./harness.ts"

const seconds = Number(process.env["BENCH_SECONDS"] ?? 3)
const userCount = 2_500
const plans = [
  "90000000-0000-4000-8000-000000000002", // n8n Basic
  "90000000-0000-4000-8000-000000000004", // Ghost Basic
  "90000000-0000-4000-8000-000000000006", // WordPress Basic
  "90000000-0000-4000-8000-000000000008" // PostgreSQL Basic
]

const db = await benchDatabase()
const raw = await rawLedgerBaseline(db.url, 1_000)
const layer = (pool: number) => postgresLayer(db.url, pool) // subscribing needs no cluster: provisioning runs afterwards

const users = Array.from({ length: userCount }, (_, i) => `88888888-0000-4000-8000-${String(i).padStart(12, "0")}`)
{
  const runtime = ManagedRuntime.make(layer(16))
  for (const plan of plans) await runtime.runPromise(setPlanQuota("bench", plan, 1_000_000))
  await runtime.runPromise(
    Effect.forEach(
      users,
      (userId) => creditTopUp({ userId, paymentReference: `fund-${userId}`, amount: 10_000_000 }, {}),
      { concurrency: 16 }
    )
  )
  await runtime.dispose()
}

// Every (user, service) pair subscribes once: the upgrade-only policy forbids a second.
let next = 0
const app = async (concurrency: number): Promise<RunStats> => {
  const runtime = ManagedRuntime.make(layer(concurrency))
  const stats = await measure(concurrency, seconds, () => {
    const n = next++
    const userId = users[n % userCount]!
    const planId = plans[Math.floor(n / userCount)]
    if (planId === undefined) throw new Error("out of (user, service) pairs")
    return runtime.runPromise(subscribe({ userId, planId, instanceName: `b${n}` }, { actor: "bench" }))
  })
  await runtime.dispose()
  return stats
}

process.stdout.write(
  `subscribe bench — ${db.description}, ${userCount} funded users × ${plans.length} services, ${seconds} s per run\n`
)
process.stdout.write(`${statsHeader("sub")}\n`)
const ratios = new Map<number, number>()
for (const c of [1, 16, 64]) {
  const a = await raw(c, seconds)
  const b = await app(c)
  if (b.failures > 0) process.stdout.write(`  (${b.failures} failed subscribes at ${c})\n`)
  ratios.set(c, b.opsPerSecond / a.opsPerSecond)
  process.stdout.write(`${statsLine(String(c), a, b)}\n`)
}
await db.close()
process.stdout.write(`subscribe ratio@16 = ${ratios.get(16)!.toFixed(3)}\n`)
