/**
 * npm run bench:renewals — the renewal job (processRenewals: one decision per due subscription
 * over its wallet and subscription streams; the event store commits concurrent decisions together)
 * renewing 10,000 due subscriptions, on a pool of 16 connections,
 * against a raw SQL baseline doing the same 10,000 charges (insert the charge event + guarded
 * balance update, one transaction each) in the same database and run. Not a test.
 * Last line: `renewals ratio = <app/raw>` = app renewals per second / raw charges per second.
 */
import { Layer, ManagedRuntime } from "effect"
import { ClusterMemory } from "../adapters/memory/cluster.ts"
import { ProvisioningPolicy } from "../application/subscription/naming.ts"
import { connect } from "../adapters/postgres/client.ts"
import { processRenewals, RenewalPolicy } from "../application/renewals/useCases.ts"
import { postgresLayer } from "../infra/layers.ts"
import { seedDueSubscriptions } from "../tests/support/renewalSeed.ts"
import { benchDatabase, profiled } from "./harness.ts"

const count = Number(process.env["BENCH_RENEWALS"] ?? 10_000)
const concurrency = 16
const price = 50_000

const db = await benchDatabase()
const runtime = ManagedRuntime.make(
  Layer.mergeAll(
    postgresLayer(db.url, concurrency),
    ClusterMemory(),
    Layer.succeed(ProvisioningPolicy, { baseDomain: "apps.test", timeoutSeconds: 300, namespacePrefix: "user-" }),
    Layer.succeed(RenewalPolicy, { retentionDays: 30 })
  )
)
const seedStarted = performance.now()
await runtime.runPromise(
  seedDueSubscriptions({
    count,
    balance: price,
    price,
    periodStart: new Date(Date.now() - 40 * 86_400_000).toISOString()
  })
)
process.stdout.write(
  `renewals bench — ${db.description}; ${count} due subscriptions seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s; ${concurrency} connections\n`
)

// Raw baseline: the same number of charges, one per wallet, straight SQL.
const raw = connect(db.url, { max: concurrency })
await raw.unsafe(`create table bench_events (position bigserial primary key, stream_id text not null, data jsonb not null, recorded_at timestamptz not null);
  create table bench_balances (wallet text primary key, balance bigint not null check (balance >= 0));`)
await raw`insert into bench_balances select 'raw-' || i, ${price} from generate_series(0, ${count - 1}) i`
let nextRaw = 0
const rawStarted = performance.now()
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    for (let i = nextRaw++; i < count; i = nextRaw++) {
      await raw.begin(async (tx) => {
        await tx`insert into bench_events (stream_id, data, recorded_at)
        values (${`wallet-raw-${i}`}, ${tx.json({ amount: price, cause: { subscriptionId: `s-${i}`, periodStart: "p" } })}, now())`
        const updated =
          await tx`update bench_balances set balance = balance - ${price} where wallet = ${`raw-${i}`} and balance >= ${price}`
        if (updated.count !== 1) throw new Error("insufficient")
      })
    }
  })
)
const rawSeconds = (performance.now() - rawStarted) / 1000
await raw.end()

const appStarted = performance.now()
// The job as the scheduler runs it (its own concurrency; the event store commits steps together).
const counts = await profiled("renewals", () => runtime.runPromise(processRenewals()))
const appSeconds = (performance.now() - appStarted) / 1000
if (counts.renewed !== count || counts.failed !== 0)
  throw new Error(`expected ${count} renewals, got ${JSON.stringify(counts)}`)
await runtime.dispose()
await db.close()

const rawRate = count / rawSeconds
const appRate = count / appSeconds
process.stdout.write(`raw SQL charges: ${count} in ${rawSeconds.toFixed(2)} s (${rawRate.toFixed(0)}/s)\n`)
process.stdout.write(`renewal job:     ${count} renewals in ${appSeconds.toFixed(2)} s (${appRate.toFixed(0)}/s)\n`)
process.stdout.write(`renewals ratio = ${(appRate / rawRate).toFixed(3)}\n`)
