import net from "node:net"
import { randomUUID } from "node:crypto"
import { ManagedRuntime } from "effect"
import { chargeWallet, creditTopUp } from "../application/ledger/useCases.ts"
import { ledgerLayer } from "../infra/layers.ts"
import { benchDatabase } from "./harness.ts"
const db = await benchDatabase()
const runtime = ManagedRuntime.make(ledgerLayer(db.url, 4))
const wallets = Array.from({ length: 100 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`)
await Promise.all(wallets.map((userId) => runtime.runPromise(creditTopUp({ userId, paymentReference: `f-${userId}`, amount: 1e9 }, {}))))
for (let i = 0; i < 50; i++) await runtime.runPromise(chargeWallet({ userId: wallets[i % 100]!, amount: 1, cause: { _tag: "SubscriptionPeriod", subscriptionId: randomUUID(), periodStart: "2026-11-01" }, description: "b" }, {}))
let writes = 0, bytes = 0, reads = 0
const orig = net.Socket.prototype.write
net.Socket.prototype.write = function (this: net.Socket, chunk: any, ...rest: any[]) { writes++; bytes += chunk.length; return (orig as any).call(this, chunk, ...rest) } as any
const n = 200
for (let i = 0; i < n; i++) await runtime.runPromise(chargeWallet({ userId: wallets[i % 100]!, amount: 1, cause: { _tag: "SubscriptionPeriod", subscriptionId: randomUUID(), periodStart: "2026-11-01" }, description: "b" }, {}))
console.log("writes/op", writes / n, "bytes/op", bytes / n)
await runtime.dispose(); await db.close()
