/**
 * npm run bench:ledger — the charge use case against a raw postgres.js baseline doing the same
 * work (insert the transfer event + guarded balance update, one transaction), same database,
 * same concurrency, same run. Prints throughput, p50/p99 and the ratio app/raw.
 */
import { randomUUID } from "node:crypto"
import { ManagedRuntime } from "effect"
import { chargeWallet, creditTopUp } from "../application/ledger/useCases.ts"
import { postgresLayer } from "../infra/layers.ts"
import {
  benchDatabase,
  measure,
  profiled,
  rawLedgerBaseline,
  type RunStats,
  statsHeader,
  statsLine
} from "./harness.ts"

const seconds = Number(process.env["BENCH_SECONDS"] ?? 3)
const walletCount = 1_000
const concurrencies = [1, 16, 64]

const db = await benchDatabase()
const raw = await rawLedgerBaseline(db.url, walletCount)
const wallets = Array.from({ length: walletCount }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`)

// Fund every wallet through the application, so its streams start like real ones.
{
  const runtime = ManagedRuntime.make(postgresLayer(db.url, 16))
  await Promise.all(
    wallets.map((userId) =>
      runtime.runPromise(
        creditTopUp({ userId, paymentReference: `fund-${userId}`, amount: 1_000_000_000 }, { actor: "bench" })
      )
    )
  )
  await runtime.dispose()
}

const app = async (concurrency: number, hot: boolean): Promise<RunStats> => {
  const runtime = ManagedRuntime.make(postgresLayer(db.url, concurrency))
  const stats = await profiled(`ledger-${hot ? "hot" : concurrency}`, () =>
    measure(concurrency, seconds, () =>
      runtime.runPromise(
        chargeWallet(
          {
            userId: hot ? wallets[0]! : wallets[Math.floor(Math.random() * walletCount)]!,
            amount: 1,
            cause: { _tag: "SubscriptionPeriod", subscriptionId: randomUUID(), periodStart: "2026-11-01" },
            description: "bench"
          },
          { actor: "bench" }
        )
      )
    )
  )
  await runtime.dispose()
  return stats
}

process.stdout.write(
  `ledger bench — ${db.description}, ${walletCount} wallets, ${seconds} s per run, node ${process.version}\n`
)
process.stdout.write(`${statsHeader("app")}\n`)
const ratios = new Map<number, number>()
for (const c of concurrencies) {
  const a = await raw(c, seconds)
  const b = await app(c, false)
  ratios.set(c, b.opsPerSecond / a.opsPerSecond)
  process.stdout.write(`${statsLine(String(c), a, b)}\n`)
}
const hotRaw = await raw(16, seconds, true)
const hotApp = await app(16, true)
process.stdout.write(`${statsLine("hot@16", hotRaw, hotApp)}   (one wallet, every charge on the same stream)\n`)
await db.close()
process.stdout.write(`ledger ratio@16 = ${ratios.get(16)!.toFixed(3)}\n`)
