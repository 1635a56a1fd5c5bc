import { Schema } from "effect"
import { WalletEvent, decideWallet, emptyWallet, replayWallet } from "../domain/ledger/index.ts"
import { hashEvent } from "../application/shared/eventHash.ts"
const ev = { _tag: "WalletCharged", transactionId: "TXMP-123", amount: 1, reference: "period:abc:2026-11-01", cause: { _tag: "SubscriptionPeriod", subscriptionId: "abc", periodStart: "2026-11-01" }, description: "b" }
const dec = Schema.decodeUnknownSync(WalletEvent)
const enc = Schema.encodeSync(WalletEvent)
const time = (label: string, n: number, f: () => unknown) => { const t = performance.now(); for (let i = 0; i < n; i++) f(); console.log(label.padEnd(20), ((performance.now() - t) / n * 1000).toFixed(1), "µs") }
time("decode", 20000, () => dec(ev))
time("encode", 20000, () => enc(dec(ev) as never))
time("hash", 20000, () => hashEvent({ streamId: "wallet-x", version: 3, eventId: "e", type: "WalletCharged", data: ev, metadata: {}, recordedAt: "2026", prevHash: "0" }))
const s = replayWallet(emptyWallet, [dec(ev) as never])
time("decide", 20000, () => decideWallet({ _tag: "ChargeWallet", transactionId: "TXMP-1", amount: 1, reference: "r", cause: ev.cause as never, description: "d" }, s))
