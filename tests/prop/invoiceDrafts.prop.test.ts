import { Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { documentDrafts } from "../../application/invoices/invoiceDrafts.ts"
import type { RecordedEvent } from "../../application/ports/eventStore.ts"
import { WalletEvent } from "../../domain/ledger/index.ts"
import { SubscriptionEvent } from "../../domain/subscription/index.ts"

const at = "2026-05-01T00:00:00.000Z"
const subId = (n: number) => `22222222-0000-4000-8000-${String(n).padStart(12, "0")}`
const plan = (price: number) => ({
  planId: "90000000-0000-4000-8000-000000000002",
  planType: "BASIC" as const,
  monthlyPrice: price
})

/** One thing an append may hold: a paid sale (charge + its subscription event), a bare charge, a free grant, a refund, a top-up. */
type Item =
  | { kind: "paidSubscribe"; sub: number; price: number; discount: number }
  | { kind: "bareCharge"; sub: number; amount: number }
  | { kind: "grant"; sub: number; price: number }
  | { kind: "refund"; amount: number; charge: number }
  | { kind: "topUp"; amount: number }

const rupiah = fc.integer({ min: 1, max: 5_000_000 })
const item: fc.Arbitrary<Item> = fc.oneof(
  fc.record({ kind: fc.constant("paidSubscribe" as const), sub: fc.nat(1_000), price: rupiah, discount: fc.nat(100) }),
  fc.record({ kind: fc.constant("bareCharge" as const), sub: fc.nat(1_000), amount: rupiah }),
  fc.record({ kind: fc.constant("grant" as const), sub: fc.nat(1_000), price: fc.integer({ min: 0, max: 500_000 }) }),
  fc.record({ kind: fc.constant("refund" as const), amount: rupiah, charge: fc.nat(50) }),
  fc.record({ kind: fc.constant("topUp" as const), amount: rupiah })
)

/** Events of one append, in a shuffled order (the drafts must not depend on it), for one user. */
const appendOf = (items: ReadonlyArray<Item>, order: ReadonlyArray<number>): Array<RecordedEvent> => {
  const events: Array<RecordedEvent> = []
  let tx = 0
  const push = (streamId: string, event: WalletEvent | SubscriptionEvent) =>
    events.push({
      position: 0,
      streamId,
      version: 1,
      eventId: `e${events.length}`,
      type: event._tag,
      metadata: {},
      recordedAt: at,
      prevHash: "",
      hash: "",
      data: streamId.startsWith("wallet-")
        ? Schema.encodeSync(WalletEvent)(event as WalletEvent)
        : Schema.encodeSync(SubscriptionEvent)(event as SubscriptionEvent)
    })
  items.forEach((it, i) => {
    // Distinct subscriptions per item: one append never sells the same period twice.
    const id = subId(i * 10_000 + ("sub" in it ? it.sub : 0)) // sub ≤ 1,000 < 10,000: never another item's
    const cause = { _tag: "SubscriptionPeriod" as const, subscriptionId: id, periodStart: at }
    switch (it.kind) {
      case "paidSubscribe": {
        const charged = Math.max(1, it.price - Math.floor((it.price * it.discount) / 100))
        const transactionId = `TXMP-${++tx}`
        push("wallet-u", {
          _tag: "WalletCharged",
          transactionId,
          amount: charged,
          reference: "r",
          cause,
          description: "first month"
        })
        push(`subscription-${id}`, {
          _tag: "SubscriptionCreated",
          subscriptionId: id,
          userId: "u",
          serviceId: "s",
          plan: plan(it.price),
          charged,
          chargeTransactionId: transactionId,
          periodStart: at,
          periodEnd: at,
          autoRenew: true,
          instanceName: "x"
        })
        return
      }
      case "bareCharge":
        push("wallet-u", {
          _tag: "WalletCharged",
          transactionId: `TXMP-${++tx}`,
          amount: it.amount,
          reference: "r",
          cause,
          description: "charge"
        })
        return
      case "grant":
        push(`subscription-${id}`, {
          _tag: "SubscriptionCreated",
          subscriptionId: id,
          userId: "u",
          serviceId: "s",
          plan: plan(it.price),
          charged: 0,
          chargeTransactionId: null,
          periodStart: at,
          periodEnd: at,
          autoRenew: true,
          instanceName: "x"
        })
        return
      case "refund":
        push("wallet-u", {
          _tag: "ChargeRefunded",
          transactionId: `TXMP-${++tx}`,
          amount: it.amount,
          reference: "r",
          chargeTransactionId: `TXMP-${900 + it.charge}`,
          reason: "refund"
        })
        return
      case "topUp":
        push("wallet-u", {
          _tag: "TopUpCredited",
          transactionId: `TXMP-${++tx}`,
          amount: it.amount,
          reference: `topup:${tx}`
        })
    }
  })
  // Shuffled by the random keys in `order` (ties and missing keys keep the written order).
  return events
    .map((e, i) => ({ e, key: order[i] ?? 0, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map((x) => x.e)
}

const sum = (xs: ReadonlyArray<{ readonly amount?: number; readonly total?: number }>) =>
  xs.reduce((s, x) => s + (x.total ?? x.amount ?? 0), 0)

describe("documentDrafts over random appends", () => {
  it("one invoice per charge and one credit note per refund, of their amounts; grants at 0; list price ≥ total; invoices before credit notes", () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 40 }), (items, order) => {
        const events = appendOf(items, order)
        const drafts = documentDrafts(events)
        const wallet = events
          .filter((e) => e.streamId.startsWith("wallet-"))
          .map((e) => Schema.decodeUnknownSync(WalletEvent)(e.data))
        const charges = wallet.filter((e) => e._tag === "WalletCharged")
        const refunds = wallet.filter((e) => e._tag === "ChargeRefunded")
        const invoices = drafts.filter((d) => d.series === "INV")
        const notes = drafts.filter((d) => d.series === "CN")
        // Each movement its own document, of its amount (the naive model: a map by transaction id).
        const byTx = new Map(drafts.filter((d) => d.transactionId !== null).map((d) => [d.transactionId!, d]))
        expect(byTx.size).toBe(charges.length + refunds.length)
        for (const c of charges) expect(byTx.get(c.transactionId)).toMatchObject({ series: "INV", total: c.amount })
        for (const r of refunds)
          expect(byTx.get(r.transactionId)).toMatchObject({
            series: "CN",
            total: r.amount,
            correctsTransactionId: r.chargeTransactionId
          })
        expect(sum(invoices)).toBe(sum(charges))
        expect(sum(notes)).toBe(sum(refunds))
        // Grants: one 0-rupiah invoice per free subscription with a list price; none for a free plan.
        const grants = items.filter((i) => i.kind === "grant")
        expect(invoices.filter((d) => d.transactionId === null)).toHaveLength(grants.filter((g) => g.price > 0).length)
        for (const d of drafts) {
          if (d.transactionId === null) expect(d.total).toBe(0)
          if (d.listPrice !== null) expect(d.listPrice).toBeGreaterThanOrEqual(d.total)
        }
        const firstNote = drafts.findIndex((d) => d.series === "CN")
        if (firstNote >= 0) expect(drafts.slice(firstNote).every((d) => d.series === "CN")).toBe(true)
      }),
      { numRuns: 500 }
    )
  })
})
