import { randomUUID } from "node:crypto"
import { Effect, Either, ManagedRuntime } from "effect"
import { connect } from "../adapters/postgres/client.ts"
import { chargeWallet, creditTopUp } from "../application/ledger/useCases.ts"
import { EventStore } from "../application/ports/eventStore.ts"
import { ledgerLayer } from "../infra/layers.ts"
import { benchDatabase, measure } from "./harness.ts"
const db = await benchDatabase()
const runtime = ManagedRuntime.make(ledgerLayer(db.url, 16))
const sql = connect(db.url, { max: 16 })
await sql.unsafe(`create table bench_events (position bigserial primary key, stream_id text not null, data jsonb not null, recorded_at timestamptz not null);
  create table bench_balances (wallet text primary key, balance bigint not null check (balance >= 0));`)
const wallets = Array.from({ length: 1000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`)
await sql`insert into bench_balances ${sql(wallets.map((wallet) => ({ wallet, balance: 1e9 })))}`
await Promise.all(wallets.map((userId) => runtime.runPromise(creditTopUp({ userId, paymentReference: `f-${userId}`, amount: 1e9 }, {}))))
const w = () => wallets[Math.floor(Math.random() * 1000)]!
const cpu = async (label: string, c: number, op: () => Promise<unknown>) => {
  const u0 = process.cpuUsage()
  const s = await measure(c, 3, op)
  const u = process.cpuUsage(u0)
  console.log(label.padEnd(28), "c=" + c, s.opsPerSecond.toFixed(0).padStart(6), "op/s  node cpu/op µs:", ((u.user + u.system) / s.ops).toFixed(0))
}
const raw = () => sql.begin(async (tx) => {
  const wallet = w()
  await tx`insert into bench_events (stream_id, data, recorded_at) values (${`wallet-${wallet}`}, ${tx.json({ amount: 1, cause: randomUUID() })}, now())`
  await tx`update bench_balances set balance = balance - 1 where wallet = ${wallet} and balance >= 1`
})
const charge = () => runtime.runPromise(chargeWallet({ userId: w(), amount: 1, cause: { _tag: "SubscriptionPeriod", subscriptionId: randomUUID(), periodStart: "2026-11-01" }, description: "b" }, {}))
const noop = () => runtime.runPromise(Effect.flatMap(EventStore, (s) => s.transact([`wallet-${w()}`], () => Either.right([]), {}, new Date())))
const appendPlain = () => { const id = `x-${randomUUID()}`; return runtime.runPromise(Effect.flatMap(EventStore, (s) => s.transact([id], () => Either.right([{ streamId: id, events: [{ type: "T", data: { a: 1 } }] }]), {}, new Date()))) }
const { TransactionIds } = await import("../application/ports/ids.ts")
const nextval = () => runtime.runPromise(Effect.flatMap(TransactionIds, (t) => t.next))
for (const c of [16]) {
  await cpu("raw", c, raw)
  await cpu("charge", c, charge)
  await cpu("transact noop", c, noop)
  await cpu("append plain", c, appendPlain)
  await cpu("nextval", c, nextval)
}
await sql.end(); await runtime.dispose(); await db.close()
