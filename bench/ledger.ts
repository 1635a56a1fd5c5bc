/**
 * npm run bench:ledger — the charge use case against a raw postgres.js baseline doing the same
 * work (insert the transfer event + guarded balance update, one transaction), same database,
 * same concurrency, same run. Prints throughput, p50/p99 and the ratio app/raw.
 */
import { randomUUID } from "node:crypto"
import { ManagedRuntime } from "effect"
import { connect } from "../adapters/postgres/client.ts"
import { chargeWallet, creditTopUp } from "../application/ledger/useCases.ts"
import { ledgerLayer } from "../infra/layers.ts"
import { benchDatabase, fmt, measure, type RunStats } from "./harness.ts"

const seconds = Number(process.env["BENCH_SECONDS"] ?? 3)
const walletCount = 1_000
const concurrencies = [1, 16, 64]
const startingBalance = 1_000_000_000

const db = await benchDatabase()
const setup = connect(db.url, { max: 4 })
await setup.unsafe(`
  create table bench_events (position bigserial primary key, stream_id text not null, data jsonb not null, recorded_at timestamptz not null);
  create table bench_balances (wallet text primary key, balance bigint not null check (balance >= 0));`)
const wallets = Array.from({ length: walletCount }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`)
await setup`insert into bench_balances ${setup(wallets.map((wallet) => ({ wallet, balance: startingBalance })))}`
await setup.end()

const pick = (hot: boolean) => (hot ? wallets[0]! : wallets[Math.floor(Math.random() * walletCount)]!)

const raw = async (concurrency: number, hot: boolean): Promise<RunStats> => {
  const sql = connect(db.url, { max: concurrency })
  const stats = await measure(concurrency, seconds, async () => {
    const wallet = pick(hot)
    await sql.begin(async (tx) => {
      await tx`insert into bench_events (stream_id, data, recorded_at)
        values (${`wallet-${wallet}`}, ${tx.json({ amount: 1, cause: randomUUID() })}, now())`
      const updated = await tx`update bench_balances set balance = balance - 1 where wallet = ${wallet} and balance >= 1`
      if (updated.count !== 1) throw new Error("insufficient")
    })
  })
  await sql.end()
  return stats
}

const app = async (concurrency: number, hot: boolean): Promise<RunStats> => {
  const runtime = ManagedRuntime.make(ledgerLayer(db.url, concurrency))
  const stats = await measure(concurrency, seconds, () =>
    runtime.runPromise(chargeWallet({
      userId: pick(hot),
      amount: 1,
      cause: { _tag: "SubscriptionPeriod", subscriptionId: randomUUID(), periodStart: "2026-11-01" },
      description: "bench"
    }, { actor: "bench" })))
  await runtime.dispose()
  return stats
}

// Fund every wallet through the application, so its streams start like real ones.
{
  const runtime = ManagedRuntime.make(ledgerLayer(db.url, 16))
  await Promise.all(wallets.map((userId) =>
    runtime.runPromise(creditTopUp({ userId, paymentReference: `fund-${userId}`, amount: startingBalance }, { actor: "bench" }))))
  await runtime.dispose()
}

const line = (label: string, a: RunStats, b: RunStats) =>
  `${label.padEnd(10)}${fmt(a.opsPerSecond)}${fmt(a.p50Ms, 2)}${fmt(a.p99Ms, 2)}   |${fmt(b.opsPerSecond)}${fmt(b.p50Ms, 2)}${fmt(b.p99Ms, 2)}   |${fmt(b.opsPerSecond / a.opsPerSecond, 3)}`

process.stdout.write(`ledger bench — ${db.description}, ${walletCount} wallets, ${seconds} s per run, node ${process.version}\n`)
process.stdout.write(`${"clients".padEnd(10)}${"raw op/s".padStart(8)}${"p50 ms".padStart(8)}${"p99 ms".padStart(8)}   |${"app op/s".padStart(8)}${"p50 ms".padStart(8)}${"p99 ms".padStart(8)}   |${"app/raw".padStart(8)}\n`)
const ratios = new Map<number, number>()
for (const c of concurrencies) {
  const a = await raw(c, false)
  const b = await app(c, false)
  ratios.set(c, b.opsPerSecond / a.opsPerSecond)
  process.stdout.write(`${line(String(c), a, b)}\n`)
}
const hotRaw = await raw(16, true)
const hotApp = await app(16, true)
process.stdout.write(`${line("hot@16", hotRaw, hotApp)}   (one wallet, every charge on the same stream)\n`)
await db.close()
process.stdout.write(`ledger ratio@16 = ${ratios.get(16)!.toFixed(3)}\n`)
