import { randomUUID } from "node:crypto"
import { ManagedRuntime } from "effect"
import { chargeWallet, creditTopUp } from "../application/ledger/useCases.ts"
import { ledgerLayer } from "../infra/layers.ts"
import { benchDatabase, measure } from "./harness.ts"
const db = await benchDatabase()
const runtime = ManagedRuntime.make(ledgerLayer(db.url, 16))
const wallets = Array.from({ length: 1000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`)
await Promise.all(wallets.map((userId) => runtime.runPromise(creditTopUp({ userId, paymentReference: `f-${userId}`, amount: 1e9 }, {}))))
const s = await measure(16, 4, () => runtime.runPromise(chargeWallet({ userId: wallets[Math.floor(Math.random() * 1000)]!, amount: 1, cause: { _tag: "SubscriptionPeriod", subscriptionId: randomUUID(), periodStart: "2026-11-01" }, description: "b" }, {})))
console.log(s)
await runtime.dispose(); await db.close()
