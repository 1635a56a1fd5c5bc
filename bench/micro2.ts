import { randomUUID } from "node:crypto"
import { Effect, ManagedRuntime } from "effect"
import { chargeWallet, creditTopUp } from "../application/ledger/useCases.ts"
import { memoryLedgerLayer } from "../tests/support/ledgerMother.ts"
const runtime = ManagedRuntime.make(memoryLedgerLayer())
const wallets = Array.from({ length: 1000 }, (_, i) => `w${i}`)
for (const userId of wallets) await runtime.runPromise(creditTopUp({ userId, paymentReference: `f-${userId}`, amount: 1e9 }, {}))
const n = 5000
const t = performance.now()
for (let i = 0; i < n; i++) await runtime.runPromise(chargeWallet({ userId: wallets[i % 1000]!, amount: 1, cause: { _tag: "SubscriptionPeriod", subscriptionId: randomUUID(), periodStart: "2026-11-01" }, description: "b" }, {}))
console.log("memory charge µs/op", ((performance.now() - t) / n * 1000).toFixed(0))
await runtime.dispose()
