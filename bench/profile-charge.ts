import { randomUUID } from "node:crypto"
import { ManagedRuntime } from "effect"
import { chargeWallet, creditTopUp } from "../application/ledger/useCases.ts"
import { ledgerLayer } from "../infra/layers.ts"
import { benchDatabase, measure } from "./harness.ts"
const db = await benchDatabase()
const runtime = ManagedRuntime.make(ledgerLayer(db.url, 16))
const wallets = Array.from({ length: 1000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`)
await Promise.all(wallets.map((userId) => runtime.runPromise(creditTopUp({ userId, paymentReference: `f-${userId}`, amount: 1e9 }, {}))))
const w = () => wallets[Math.floor(Math.random() * 1000)]!
const { Session } = await import("node:inspector/promises")
const session = new Session(); session.connect()
await session.post("Profiler.enable"); await session.post("Profiler.start")
const s = await measure(1, 3, () => runtime.runPromise(chargeWallet({ userId: w(), amount: 1, cause: { _tag: "SubscriptionPeriod", subscriptionId: randomUUID(), periodStart: "2026-11-01" }, description: "b" }, {})))
const { profile } = await session.post("Profiler.stop")
const fs = await import("node:fs"); fs.writeFileSync("/tmp/charge.cpuprofile", JSON.stringify(profile))
console.log(s.opsPerSecond)
await runtime.dispose(); await db.close()
