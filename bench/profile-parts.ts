import { randomUUID } from "node:crypto"
import { Effect, Either, ManagedRuntime } from "effect"
import { chargeWallet, creditTopUp } from "../application/ledger/useCases.ts"
import { EventStore } from "../application/ports/eventStore.ts"
import { TransactionIds } from "../application/ports/ids.ts"
import { ledgerLayer } from "../infra/layers.ts"
import { benchDatabase, measure } from "./harness.ts"
const db = await benchDatabase()
const runtime = ManagedRuntime.make(ledgerLayer(db.url, 16))
const wallets = Array.from({ length: 1000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`)
await Promise.all(wallets.map((userId) => runtime.runPromise(creditTopUp({ userId, paymentReference: `f-${userId}`, amount: 1e9 }, {}))))
const w = () => wallets[Math.floor(Math.random() * 1000)]!
const show = (label: string, s: { opsPerSecond: number; p50Ms: number }) => console.log(label.padEnd(30), s.opsPerSecond.toFixed(0), s.p50Ms.toFixed(2))
show("nextval only", await measure(1, 2, () => runtime.runPromise(Effect.flatMap(TransactionIds, (t) => t.next))))
show("transact no-op decide", await measure(1, 2, () => runtime.runPromise(Effect.flatMap(EventStore, (s) => s.transact([`wallet-${w()}`], () => Either.right([]), {}, new Date())))))
show("transact 1 plain event", await measure(1, 2, () => runtime.runPromise(Effect.flatMap(EventStore, (s) => s.transact([`x-${w()}`], () => Either.right([{ streamId: "", events: [] }]).pipe(() => Either.right([])), {}, new Date())))))
show("append 1 non-wallet event", await measure(1, 2, async () => {
  const id = `x-${randomUUID()}`
  await runtime.runPromise(Effect.flatMap(EventStore, (s) => s.transact([id], () => Either.right([{ streamId: id, events: [{ type: "T", data: { a: 1 } }] }]), {}, new Date())))
}))
show("charge use case", await measure(1, 2, () => runtime.runPromise(chargeWallet({ userId: w(), amount: 1, cause: { _tag: "SubscriptionPeriod", subscriptionId: randomUUID(), periodStart: "2026-11-01" }, description: "b" }, {}))))
await runtime.dispose(); await db.close()
