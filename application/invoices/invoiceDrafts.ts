import { Schema } from "effect"
import { ChargeRefunded, userIdOfWalletStream, WalletCharged, isWalletStream } from "../../domain/ledger/index.ts"
import { CouponRedeemed } from "../../domain/coupon/index.ts"
import {
  isSubscriptionStream,
  ProvisioningRetried,
  SubscriptionCreated,
  SubscriptionReactivated,
  SubscriptionRenewed,
  SubscriptionUpgraded
} from "../../domain/subscription/index.ts"
import type { RecordedEvent } from "../ports/eventStore.ts"

/** INV: invoices (charges and free grants); CN: credit notes (refunds). Each numbered without gaps per year. */
export type DocumentSeries = "INV" | "CN"

/**
 * An invoice or credit note to issue, decided from the events of one append. The adapter only
 * numbers it (from the series' counter row, in the same transaction) and fills what the log does
 * not hold: buyer details, plan names and, where `listPrice` is null, the subscription's price.
 */
export interface DocumentDraft {
  readonly series: DocumentSeries
  /** The owner; null: the subscription's owner (a free-month renewal moves no wallet). */
  readonly userId: string | null
  readonly subscriptionId: string | null
  readonly planId: string | null
  /** The charge's or refund's TXMP id; null for a free grant (no money moved). */
  readonly transactionId: string | null
  /** Credit notes: the charge they correct (its invoice is looked up by this id). */
  readonly correctsTransactionId: string | null
  /** The event that issued it, for the audit trail (its position is stored beside). */
  readonly sourceEventId: string
  /** From the event's time (the Clock), never the wall clock. */
  readonly issuedAt: string
  readonly year: number
  readonly description: string
  /** What the item costs before discounts; null: the subscription's recorded monthly price. */
  readonly listPrice: number | null
  /** The discount line's label when the total is below the list price. */
  readonly discountLabel: string
  /** What was charged (invoice) or refunded (credit note), integer rupiah. */
  readonly total: number
}

const decodeCharged = Schema.decodeUnknownSync(WalletCharged)
const decodeRefunded = Schema.decodeUnknownSync(ChargeRefunded)
const decodeCoupon = Schema.decodeUnknownSync(CouponRedeemed)
const decodeCreated = Schema.decodeUnknownSync(SubscriptionCreated)
const decodeUpgraded = Schema.decodeUnknownSync(SubscriptionUpgraded)
const decodeRenewed = Schema.decodeUnknownSync(SubscriptionRenewed)
const decodeReactivated = Schema.decodeUnknownSync(SubscriptionReactivated)
const decodeRetried = Schema.decodeUnknownSync(ProvisioningRetried)

/** The number printed on a document: `INV-2026-000001` (more digits once a year passes 999,999). */
export const documentNumber = (series: DocumentSeries, year: number, sequence: number): string =>
  `${series}-${year}-${String(sequence).padStart(6, "0")}`

/** `INV-2026-000001` → its parts; undefined for anything else. */
export const parseDocumentNumber = (
  number: string
): { series: DocumentSeries; year: number; sequence: number } | undefined => {
  const match = /^(INV|CN)-(\d{4})-(\d{6,})$/.exec(number)
  if (match === null) return undefined
  const sequence = Number(match[3])
  return sequence > 0 && Number.isSafeInteger(sequence)
    ? { series: match[1] as DocumentSeries, year: Number(match[2]), sequence }
    : undefined
}

const day = (iso: string) => iso.slice(0, 10)

/** A charge's cause, as the ledger names it (`<sub>@<periodStart>`, `<sub>#<upgradeId>`). */
const causeKey = (charge: typeof WalletCharged.Type) =>
  charge.cause._tag === "SubscriptionPeriod"
    ? `${charge.cause.subscriptionId}@${charge.cause.periodStart}`
    : `${charge.cause.subscriptionId}#${charge.cause.upgradeId}`

interface Sale {
  readonly key: string
  readonly subscriptionId: string
  readonly planId: string | null
  readonly userId: string | null
  readonly description: string
  readonly listPrice: number | null
  readonly charged: number
  /** A grant at no charge (bonus, FREE_SERVICE month) is invoiced at 0 with a 100 % discount line. */
  readonly freeGrant: boolean
  readonly discountLabel: string
  readonly event: RecordedEvent
}

/** What a subscription event sold, if it sold something (a period or an upgrade). */
const saleOf = (
  event: RecordedEvent,
  coupons: ReadonlyMap<string, { code: string; type: string }>
): Sale | undefined => {
  const subscriptionId = event.streamId.slice("subscription-".length)
  const base = { subscriptionId, event, userId: null, planId: null }
  switch (event.type) {
    case "SubscriptionCreated": {
      const e = decodeCreated(event.data)
      const coupon = coupons.get(subscriptionId)
      const label =
        coupon === undefined
          ? e.charged === 0
            ? "Bonus subscription granted by an administrator (100 % discount)"
            : "Discount"
          : coupon.type === "FREE_SERVICE"
            ? `Coupon ${coupon.code}: free month (100 % discount)`
            : `Coupon ${coupon.code}`
      return {
        ...base,
        key: `${subscriptionId}@${e.periodStart}`,
        userId: e.userId,
        planId: e.plan.planId,
        description: `First month, ${day(e.periodStart)} – ${day(e.periodEnd)}`,
        listPrice: e.plan.monthlyPrice,
        charged: e.charged,
        freeGrant: e.charged === 0 && e.plan.monthlyPrice > 0,
        discountLabel: label
      }
    }
    case "SubscriptionRenewed": {
      const e = decodeRenewed(event.data)
      return {
        ...base,
        key: `${subscriptionId}@${e.periodStart}`,
        description: `Renewal, ${day(e.periodStart)} – ${day(e.periodEnd)}`,
        // A free month's list price is the plan's, which this event does not repeat.
        listPrice: e.freeMonth ? null : e.charged,
        charged: e.charged,
        freeGrant: e.freeMonth,
        discountLabel: "FREE_SERVICE coupon: free month (100 % discount)"
      }
    }
    case "SubscriptionReactivated": {
      const e = decodeReactivated(event.data)
      return {
        ...base,
        key: `${subscriptionId}@${e.periodStart}`,
        description: `Reactivation, ${day(e.periodStart)} – ${day(e.periodEnd)}`,
        listPrice: e.charged,
        charged: e.charged,
        freeGrant: false,
        discountLabel: "Discount"
      }
    }
    case "ProvisioningRetried": {
      const e = decodeRetried(event.data)
      return {
        ...base,
        key: `${subscriptionId}@${e.periodStart}`,
        description: `Provisioning retried, ${day(e.periodStart)} – ${day(e.periodEnd)}`,
        listPrice: e.charged,
        charged: e.charged,
        freeGrant: false,
        discountLabel: "Discount"
      }
    }
    case "SubscriptionUpgraded": {
      const e = decodeUpgraded(event.data)
      return {
        ...base,
        key: `${subscriptionId}#${e.upgradeId}`,
        planId: e.to.planId,
        description: `Upgrade from ${e.from.planType} to ${e.to.planType}, prorated to the period end`,
        listPrice: e.charged,
        charged: e.charged,
        freeGrant: false,
        discountLabel: "Discount"
      }
    }
    default:
      return undefined
  }
}

const yearOf = (iso: string) => new Date(iso).getUTCFullYear()

/**
 * The documents one append issues. Every wallet charge gets an invoice (described by the
 * subscription event that sold it, when the same append holds one; by the charge alone otherwise,
 * so nothing is ever charged without an invoice); every free grant gets a 0-rupiah invoice with a
 * 100 % discount line; every refund a credit note naming the charge it corrects. Invoices come
 * before credit notes: every transaction takes the two counters in the same order (no deadlock).
 */
export const documentDrafts = (events: ReadonlyArray<RecordedEvent>): ReadonlyArray<DocumentDraft> => {
  const coupons = new Map<string, { code: string; type: string }>()
  // A list per cause: one append (a group-committed batch) may hold several wallets' charges.
  const charges = new Map<string, Array<{ userId: string; charge: typeof WalletCharged.Type; event: RecordedEvent }>>()
  const refunds: Array<{ userId: string; refund: typeof ChargeRefunded.Type; event: RecordedEvent }> = []
  const sales: Array<Sale> = []
  for (const event of events) {
    if (isWalletStream(event.streamId)) {
      if (event.type === "WalletCharged") {
        const charge = decodeCharged(event.data)
        const key = causeKey(charge)
        charges.set(key, [...(charges.get(key) ?? []), { userId: userIdOfWalletStream(event.streamId), charge, event }])
      } else if (event.type === "ChargeRefunded") {
        refunds.push({ userId: userIdOfWalletStream(event.streamId), refund: decodeRefunded(event.data), event })
      }
    } else if (event.type === "CouponRedeemed") {
      const redeemed = decodeCoupon(event.data)
      if (redeemed.subscriptionId !== null)
        coupons.set(redeemed.subscriptionId, {
          code: event.streamId.slice("coupon-".length),
          type: redeemed.couponType
        })
    }
  }
  for (const event of events) {
    if (!isSubscriptionStream(event.streamId)) continue
    const sale = saleOf(event, coupons)
    if (sale !== undefined) sales.push(sale)
  }
  const drafts: Array<DocumentDraft> = []
  const invoiced = new Set<RecordedEvent>()
  for (const sale of sales) {
    const paid = charges
      .get(sale.key)
      ?.find((c) => !invoiced.has(c.event) && (sale.userId === null || c.userId === sale.userId))
    if (paid === undefined && sale.charged > 0) continue // a charge recorded elsewhere; invoiced with it
    if (paid === undefined && !sale.freeGrant) continue // nothing sold for money, nothing granted (a free plan)
    if (paid !== undefined) invoiced.add(paid.event)
    drafts.push({
      series: "INV",
      userId: paid?.userId ?? sale.userId,
      subscriptionId: sale.subscriptionId,
      planId: sale.planId,
      transactionId: paid?.charge.transactionId ?? null,
      correctsTransactionId: null,
      sourceEventId: (paid?.event ?? sale.event).eventId,
      issuedAt: sale.event.recordedAt,
      year: yearOf(sale.event.recordedAt),
      description: sale.description,
      listPrice: sale.listPrice === null ? null : Math.max(sale.listPrice, paid?.charge.amount ?? sale.charged),
      discountLabel: sale.discountLabel,
      total: paid?.charge.amount ?? 0
    })
  }
  for (const paid of [...charges.values()].flat()) {
    if (invoiced.has(paid.event)) continue
    drafts.push({
      series: "INV",
      userId: paid.userId,
      subscriptionId: paid.charge.cause.subscriptionId,
      planId: null,
      transactionId: paid.charge.transactionId,
      correctsTransactionId: null,
      sourceEventId: paid.event.eventId,
      issuedAt: paid.event.recordedAt,
      year: yearOf(paid.event.recordedAt),
      description: paid.charge.description,
      listPrice: paid.charge.amount,
      discountLabel: "Discount",
      total: paid.charge.amount
    })
  }
  for (const { userId, refund, event } of refunds) {
    drafts.push({
      series: "CN",
      userId,
      subscriptionId: null,
      planId: null,
      transactionId: refund.transactionId,
      correctsTransactionId: refund.chargeTransactionId,
      sourceEventId: event.eventId,
      issuedAt: event.recordedAt,
      year: yearOf(event.recordedAt),
      description: refund.reason,
      listPrice: refund.amount,
      discountLabel: "Discount",
      total: refund.amount
    })
  }
  return drafts
}
