import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { documentDrafts, documentNumber, parseDocumentNumber } from "../../application/invoices/invoiceDrafts.ts"
import type { RecordedEvent } from "../../application/ports/eventStore.ts"
import { CouponEvent } from "../../domain/coupon/index.ts"
import { WalletEvent } from "../../domain/ledger/index.ts"
import { SubscriptionEvent } from "../../domain/subscription/index.ts"
import { period, upgrade } from "../support/ledgerMother.ts"

const userId = "11111111-0000-4000-8000-000000000001"
const subId = "22222222-0000-4000-8000-000000000001"
const basic = { planId: "90000000-0000-4000-8000-000000000002", planType: "BASIC" as const, monthlyPrice: 50_000 }
const pro = { planId: "90000000-0000-4000-8000-000000000003", planType: "PRO" as const, monthlyPrice: 150_000 }
const at = "2026-03-01T08:00:00.000Z"

let n = 0
const recorded = (
  streamId: string,
  event: { readonly _tag: string },
  data: unknown,
  recordedAt = at
): RecordedEvent => ({
  position: 0,
  streamId,
  version: 1,
  eventId: `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`,
  type: event._tag,
  data,
  metadata: {},
  recordedAt,
  prevHash: "",
  hash: ""
})
const wallet = (e: WalletEvent, recordedAt?: string) =>
  recorded(`wallet-${userId}`, e, Schema.encodeSync(WalletEvent)(e), recordedAt)
const subscription = (e: SubscriptionEvent, recordedAt?: string) =>
  recorded(`subscription-${subId}`, e, Schema.encodeSync(SubscriptionEvent)(e), recordedAt)
const coupon = (code: string, e: CouponEvent) => recorded(`coupon-${code}`, e, Schema.encodeSync(CouponEvent)(e))

const created = (charged: number, chargeTransactionId: string | null, periodStart = at): SubscriptionEvent => ({
  _tag: "SubscriptionCreated",
  subscriptionId: subId,
  userId,
  serviceId: "s",
  plan: basic,
  charged,
  chargeTransactionId,
  periodStart,
  periodEnd: "2026-04-01T08:00:00.000Z",
  autoRenew: true,
  instanceName: "n8n-1"
})
const charged = (transactionId: string, amount: number, cause = period(subId, at)): WalletEvent => ({
  _tag: "WalletCharged",
  transactionId,
  amount,
  reference: "r",
  cause,
  description: "n8n Basic, first month"
})

describe("documentDrafts (events of one append → invoices and credit notes)", () => {
  it("given a subscribe with a discount coupon, then one invoice: the plan at list price, the coupon line, the charged total", () => {
    const drafts = documentDrafts([
      coupon("HEMAT20", {
        _tag: "CouponRedeemed",
        redemptionId: subId,
        userId,
        couponType: "SUBSCRIPTION_DISCOUNT",
        amount: 10_000,
        subscriptionId: subId,
        at
      }),
      wallet(charged("TXMP-101", 40_000)),
      subscription(created(40_000, "TXMP-101"))
    ])
    expect(drafts).toEqual([
      expect.objectContaining({
        series: "INV",
        userId,
        subscriptionId: subId,
        planId: basic.planId,
        transactionId: "TXMP-101",
        correctsTransactionId: null,
        issuedAt: at,
        year: 2026,
        description: "First month, 2026-03-01 – 2026-04-01",
        listPrice: 50_000,
        discountLabel: "Coupon HEMAT20",
        total: 40_000
      })
    ])
  })

  it("given a bonus subscription (no money moved), then a 0-rupiah invoice whose discount line takes the whole list price", () => {
    const [draft, ...rest] = documentDrafts([subscription(created(0, null))])
    expect(rest).toEqual([])
    expect(draft).toMatchObject({
      series: "INV",
      transactionId: null,
      listPrice: 50_000,
      total: 0,
      discountLabel: expect.stringContaining("Bonus")
    })
  })

  it("given a FREE_SERVICE coupon subscribe, then a 0-rupiah invoice naming the coupon", () => {
    const drafts = documentDrafts([
      coupon("FREE3", {
        _tag: "CouponRedeemed",
        redemptionId: subId,
        userId,
        couponType: "FREE_SERVICE",
        amount: 50_000,
        subscriptionId: subId,
        at
      }),
      subscription(created(0, null)),
      subscription({ _tag: "FreeMonthsGranted", couponCode: "FREE3", months: 2 })
    ])
    expect(drafts).toEqual([
      expect.objectContaining({
        total: 0,
        listPrice: 50_000,
        discountLabel: "Coupon FREE3: free month (100 % discount)"
      })
    ])
  })

  it("given a free plan (list price 0), then no invoice: nothing was sold or granted", () => {
    expect(
      documentDrafts([
        subscription({
          ...created(0, null),
          plan: { ...basic, planType: "FREE", monthlyPrice: 0 }
        } as SubscriptionEvent)
      ])
    ).toEqual([])
    expect(
      documentDrafts([
        subscription({
          _tag: "SubscriptionRenewed",
          at,
          periodStart: at,
          periodEnd: at,
          charged: 0,
          chargeTransactionId: null,
          freeMonth: false,
          afterGrace: false
        })
      ])
    ).toEqual([])
  })

  it("given a free-month renewal, then a 0-rupiah invoice priced from the subscription (the event does not repeat the price) for its owner", () => {
    const [draft] = documentDrafts([
      subscription({
        _tag: "SubscriptionRenewed",
        at,
        periodStart: at,
        periodEnd: "2026-04-01T08:00:00.000Z",
        charged: 0,
        chargeTransactionId: null,
        freeMonth: true,
        afterGrace: false
      })
    ])
    expect(draft).toMatchObject({
      series: "INV",
      userId: null,
      listPrice: null,
      total: 0,
      description: "Renewal, 2026-03-01 – 2026-04-01"
    })
  })

  it("given a paid renewal and an upgrade, then invoices at the charged amounts, matched to their charges by cause", () => {
    const renewal = documentDrafts([
      wallet(charged("TXMP-7", 50_000)),
      subscription({
        _tag: "SubscriptionRenewed",
        at,
        periodStart: at,
        periodEnd: "2026-04-01T08:00:00.000Z",
        charged: 50_000,
        chargeTransactionId: "TXMP-7",
        freeMonth: false,
        afterGrace: true
      })
    ])
    expect(renewal).toEqual([
      expect.objectContaining({
        transactionId: "TXMP-7",
        userId,
        listPrice: 50_000,
        total: 50_000,
        description: "Renewal, 2026-03-01 – 2026-04-01"
      })
    ])
    const upgraded = documentDrafts([
      wallet(charged("TXMP-8", 33_333, upgrade(subId, "up-1"))),
      subscription({
        _tag: "SubscriptionUpgraded",
        upgradeId: "up-1",
        from: basic,
        to: pro,
        charged: 33_333,
        chargeTransactionId: "TXMP-8"
      })
    ])
    expect(upgraded).toEqual([
      expect.objectContaining({
        transactionId: "TXMP-8",
        planId: pro.planId,
        total: 33_333,
        listPrice: 33_333,
        description: "Upgrade from BASIC to PRO, prorated to the period end"
      })
    ])
  })

  it("given a charge no subscription event explains, then it is still invoiced, described by the charge itself", () => {
    expect(documentDrafts([wallet(charged("TXMP-9", 12_345))])).toEqual([
      expect.objectContaining({
        series: "INV",
        userId,
        subscriptionId: subId,
        transactionId: "TXMP-9",
        listPrice: 12_345,
        total: 12_345,
        description: "n8n Basic, first month"
      })
    ])
  })

  it("given a cancellation refunding two charges, then two credit notes naming their charges, after any invoice", () => {
    const drafts = documentDrafts([
      wallet({
        _tag: "ChargeRefunded",
        transactionId: "TXMP-20",
        amount: 30_000,
        reference: "a",
        chargeTransactionId: "TXMP-101",
        reason: "Cancellation of s: moving"
      }),
      wallet({
        _tag: "ChargeRefunded",
        transactionId: "TXMP-21",
        amount: 5_000,
        reference: "b",
        chargeTransactionId: "TXMP-8",
        reason: "Cancellation of s: moving"
      }),
      wallet(charged("TXMP-22", 1_000))
    ])
    expect(drafts.map((d) => [d.series, d.transactionId, d.correctsTransactionId, d.total])).toEqual([
      ["INV", "TXMP-22", null, 1_000],
      ["CN", "TXMP-20", "TXMP-101", 30_000],
      ["CN", "TXMP-21", "TXMP-8", 5_000]
    ])
  })

  it("given events with no money and no grant (top-ups, instance transitions), then nothing is issued", () => {
    expect(
      documentDrafts([
        wallet({ _tag: "TopUpCredited", transactionId: "TXMP-1", amount: 100_000, reference: "topup:o1" }),
        subscription({ _tag: "InstanceRunning", at })
      ])
    ).toEqual([])
  })

  it("the year is the event's (the Clock's), in UTC", () => {
    const [late] = documentDrafts([wallet(charged("TXMP-30", 1_000), "2026-12-31T23:59:59.999Z")])
    const [early] = documentDrafts([wallet(charged("TXMP-31", 1_000), "2027-01-01T00:00:00.000Z")])
    expect([late!.year, early!.year]).toEqual([2026, 2027])
  })
})

describe("document numbers", () => {
  it("are INV/CN, the year and six digits, growing past a million without being cut; parse back", () => {
    expect(documentNumber("INV", 2026, 1)).toBe("INV-2026-000001")
    expect(documentNumber("CN", 2027, 1_234_567)).toBe("CN-2027-1234567")
    expect(parseDocumentNumber("CN-2027-1234567")).toEqual({ series: "CN", year: 2027, sequence: 1_234_567 })
    expect(parseDocumentNumber("INV-2026-000000")).toBeUndefined()
    expect(parseDocumentNumber("INV-2026-1")).toBeUndefined()
  })
})
