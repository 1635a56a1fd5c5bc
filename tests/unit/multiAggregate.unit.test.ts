import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { streamOf, walletStream } from "../../application/shared/streams.ts"
import { type CouponTerms, decideCreditRedemption, unusedCoupon } from "../../domain/coupon/index.ts"
import { emptyWallet, replayWallet, walletAggregate, type WalletState } from "../../domain/ledger/index.ts"
import { decideGatewayReport, newPayment, type PaymentState } from "../../domain/payment/index.ts"
import { emptyQuota, quotaAggregate } from "../../domain/quota/index.ts"
import {
  decideAdminRefund,
  decideCancel,
  decideExpiry,
  decideProvisioningFailure,
  decideProvisioningRetry,
  decideSubscribe,
  decideUpgrade,
  quoteSubscribe,
  type SubscribeRequest,
  type SubscriptionEvent
} from "../../domain/subscription/index.ts"
import { created, price, quotaHolding, subscriptionAfter, subscriptionId } from "../support/renewalMother.ts"

const right = <A, E extends { readonly _tag: string }>(decision: Either.Either<A, E>): A => {
  if (Either.isLeft(decision)) throw new Error(`refused: ${decision.left._tag}`)
  return decision.right
}
const left = <A, E>(decision: Either.Either<A, E>): E => {
  if (Either.isRight(decision)) throw new Error("expected a refusal")
  return decision.left
}

/** 100,000 topped up, then the first month (TXMP-1) charged. */
const chargedWallet = (): WalletState =>
  replayWallet(emptyWallet, [
    { _tag: "TopUpCredited", transactionId: "TXMP-9", amount: 100_000, reference: "topup:p" },
    {
      _tag: "WalletCharged",
      transactionId: "TXMP-1",
      amount: price,
      reference: `period:${subscriptionId}:2026-01-31T10:00:00.000Z`,
      cause: { _tag: "SubscriptionPeriod", subscriptionId, periodStart: "2026-01-31T10:00:00.000Z" },
      description: "first month"
    }
  ])
const funded = (balance: number) =>
  replayWallet(emptyWallet, [{ _tag: "TopUpCredited", transactionId: "TXMP-9", amount: balance, reference: "topup:p" }])
const refundIds = ["TXMP-21", "TXMP-22", "TXMP-23", "TXMP-24", "TXMP-25"]
const active = () =>
  subscriptionAfter(created(), { _tag: "InstanceRunning", at: "2026-01-31T10:05:00.000Z" } satisfies SubscriptionEvent)

const request = (overrides: Partial<SubscribeRequest> = {}): SubscribeRequest => ({
  userId: "u-1",
  plan: { id: "plan-basic", name: "n8n Basic", planType: "BASIC", monthlyPrice: price, totalQuota: 10 },
  service: { id: "svc-1", slug: "n8n" },
  coupon: undefined,
  bonus: false,
  instanceName: undefined,
  autoRenew: true,
  now: "2026-01-31T10:00:00.000Z",
  ...overrides
})
const discount: CouponTerms = {
  code: "HALF",
  type: "SUBSCRIPTION_DISCOUNT",
  isActive: true,
  validFrom: null,
  validUntil: null,
  maxUses: null,
  maxUsesPerUser: 1,
  value: 50,
  discountKind: "PERCENT",
  serviceIds: [],
  planIds: [],
  freePlanId: null,
  freeMonths: null
}
const free = { wallet: funded(60_000), quota: emptyQuota, guard: { holder: undefined } }
const ids = { subscriptionId, chargeTransactionId: "TXMP-1" }

describe("decideSubscribe", () => {
  it("given credit, a free slot and no subscription on the service, then the five streams move together and the quote is returned", () => {
    const { events, result } = right(decideSubscribe(free, request(), ids))
    expect(result).toEqual({ price, discount: 0, balance: 60_000, balanceAfter: 10_000 })
    expect(events.guard).toEqual([{ _tag: "ServiceClaimed", subscriptionId }])
    expect(events.coupon).toEqual([])
    expect(events.wallet).toMatchObject([
      {
        _tag: "WalletCharged",
        transactionId: "TXMP-1",
        amount: price,
        reference: `period:${subscriptionId}:2026-01-31T10:00:00.000Z`
      }
    ])
    expect(events.quota).toEqual([{ _tag: "QuotaSlotTaken", subscriptionId }])
    expect(events.subscription).toMatchObject([
      { _tag: "SubscriptionCreated", charged: price, chargeTransactionId: "TXMP-1", instanceName: "n8n-00000000" }
    ])
  })

  it("given a discount coupon, then the price after it is charged and the redemption names the subscription", () => {
    const { events, result } = right(
      decideSubscribe({ ...free, coupon: unusedCoupon }, request({ coupon: discount }), ids)
    )
    expect(result).toMatchObject({ price: 25_000, discount: 25_000 })
    expect(events.coupon).toMatchObject([
      { _tag: "CouponRedeemed", redemptionId: subscriptionId, subscriptionId, amount: 25_000 }
    ])
    expect(events.wallet).toMatchObject([{ amount: 25_000 }])
  })

  it("given a bonus, then nothing is charged, no charge id is recorded and the free month is a 0-rupiah grant", () => {
    const { events, result } = right(decideSubscribe({ ...free, wallet: emptyWallet }, request({ bonus: true }), ids))
    expect(result.price).toBe(0)
    expect(events.wallet).toMatchObject([
      {
        _tag: "FreeGrantRecorded",
        amount: 0,
        reason: "BONUS",
        reference: `period:${subscriptionId}:2026-01-31T10:00:00.000Z`
      }
    ])
    expect(events.subscription).toMatchObject([{ charged: 0, chargeTransactionId: null }])
  })

  it("refuses in rule order: a held service before credit, credit before the quota", () => {
    const all = { wallet: funded(10), quota: quotaHolding(10), guard: { holder: "other" } }
    expect(left(decideSubscribe(all, request(), ids))).toMatchObject({
      _tag: "DuplicateSubscription",
      existingSubscriptionId: "other"
    })
    expect(left(decideSubscribe({ ...all, guard: { holder: undefined } }, request(), ids))).toMatchObject({
      _tag: "InsufficientCredit",
      required: price,
      available: 10
    })
    expect(left(decideSubscribe({ ...free, quota: quotaHolding(10) }, request(), ids))).toMatchObject({
      _tag: "QuotaExceeded",
      capacity: 10,
      used: 10
    })
  })

  it("quoteSubscribe is the same judgement without ids: equal quote on success, equal error on refusal", () => {
    expect(right(quoteSubscribe(free, request()))).toEqual(right(decideSubscribe(free, request(), ids)).result)
    const short = { ...free, wallet: funded(10) }
    expect(left(quoteSubscribe(short, request()))).toEqual(left(decideSubscribe(short, request(), ids)))
    const used = { ...free, coupon: { uses: 1, usesByUser: new Map([["u-1", 1]]), redemptions: new Set(["r"]) } }
    expect(left(quoteSubscribe(used, request({ coupon: discount })))).toMatchObject({
      _tag: "InvalidCoupon",
      reason: "ALREADY_USED"
    })
  })
})

describe("decideUpgrade", () => {
  const pro = { id: "plan-pro", name: "n8n Pro", planType: "PRO" as const, monthlyPrice: 100_000, totalQuota: 5 }
  it("given a higher tier mid-period, then the prorated charge, the old slot released and the new one taken", () => {
    const { events } = right(
      decideUpgrade(
        { wallet: funded(100_000), oldQuota: quotaHolding(1), newQuota: emptyQuota, subscription: active() },
        { upgradeId: "up-1", to: pro, now: "2026-02-14T10:00:00.000Z", chargeTransactionId: "TXMP-2", bonus: false }
      )
    )
    expect(events.subscription).toMatchObject([{ _tag: "SubscriptionUpgraded", upgradeId: "up-1" }])
    const charged = (events.subscription[0] as { charged: number }).charged
    expect(charged).toBeGreaterThan(0)
    expect(events.wallet).toMatchObject([
      {
        _tag: "WalletCharged",
        amount: charged,
        reference: `upgrade:${subscriptionId}:up-1`,
        description: "Upgrade to n8n Pro, prorated"
      }
    ])
    expect(events.oldQuota).toEqual([{ _tag: "QuotaSlotReleased", subscriptionId }])
    expect(events.newQuota).toEqual([{ _tag: "QuotaSlotTaken", subscriptionId }])
  })

  it("given a bonus upgrade, then nothing is charged and the upgrade is a 0-rupiah grant", () => {
    const { events } = right(
      decideUpgrade(
        { wallet: emptyWallet, oldQuota: quotaHolding(1), newQuota: emptyQuota, subscription: active() },
        { upgradeId: "up-1", to: pro, now: "2026-02-14T10:00:00.000Z", chargeTransactionId: "TXMP-2", bonus: true }
      )
    )
    expect(events.wallet).toMatchObject([
      {
        _tag: "FreeGrantRecorded",
        amount: 0,
        reason: "BONUS",
        transactionId: "TXMP-2",
        reference: `upgrade:${subscriptionId}:up-1`
      }
    ])
  })

  it("given the same upgrade again, then nothing moves", () => {
    const upgraded = subscriptionAfter(created(), {
      _tag: "SubscriptionUpgraded",
      upgradeId: "up-1",
      from: { planId: "plan-basic", planType: "BASIC", monthlyPrice: price },
      to: { planId: "plan-pro", planType: "PRO", monthlyPrice: 100_000 },
      charged: 0,
      chargeTransactionId: null
    } as SubscriptionEvent)
    const { events } = right(
      decideUpgrade(
        { wallet: emptyWallet, oldQuota: quotaHolding(1), newQuota: quotaHolding(1), subscription: upgraded },
        { upgradeId: "up-1", to: pro, now: "2026-02-14T10:00:00.000Z", chargeTransactionId: "TXMP-2", bonus: false }
      )
    )
    expect(events).toEqual({ wallet: [], oldQuota: [], newQuota: [], subscription: [] })
  })
})

describe("decideCancel, decideExpiry, decideAdminRefund", () => {
  const ending = () => ({
    wallet: chargedWallet(),
    quota: quotaHolding(1),
    subscription: active(),
    guard: { holder: subscriptionId }
  })

  it("a full refund cancels, refunds each charge under the cancellation reference, releases slot and service", () => {
    const { events } = right(
      decideCancel(ending(), {
        now: "2026-02-01T10:00:00.000Z",
        by: "u-1",
        reason: "done",
        refund: "full",
        refundTransactionIds: refundIds
      })
    )
    expect(events.subscription).toMatchObject([{ _tag: "SubscriptionCancelled", refunded: price }])
    expect(events.wallet).toMatchObject([
      {
        _tag: "ChargeRefunded",
        transactionId: "TXMP-21",
        amount: price,
        chargeTransactionId: "TXMP-1",
        reference: `cancel:${subscriptionId}:TXMP-1`
      }
    ])
    expect(events.quota).toEqual([{ _tag: "QuotaSlotReleased", subscriptionId }])
    expect(events.guard).toEqual([{ _tag: "ServiceReleased", subscriptionId }])
  })

  it("an expiry releases slot and service and moves no money", () => {
    const { wallet: _, ...states } = ending()
    const { events } = right(decideExpiry(states, { now: "2026-02-01T10:00:00.000Z", by: "admin", reason: "abuse" }))
    expect(events.subscription).toMatchObject([{ _tag: "SubscriptionExpired", by: "admin" }])
    expect(events.quota).toHaveLength(1)
    expect(events.guard).toHaveLength(1)
  })

  it("an admin refund takes from the newest charge, returns the lines and refuses beyond what is left", () => {
    const { events, result } = right(
      decideAdminRefund(ending(), { amount: 20_000, reason: "goodwill", refundTransactionIds: refundIds })
    )
    expect(result).toEqual([{ transactionId: "TXMP-21", amount: 20_000 }])
    expect(events.wallet).toMatchObject([
      { _tag: "ChargeRefunded", reference: "admin-refund:TXMP-21", chargeTransactionId: "TXMP-1" }
    ])
    expect(
      left(decideAdminRefund(ending(), { amount: price + 1, reason: "x", refundTransactionIds: refundIds }))
    ).toMatchObject({ _tag: "RefundExceedsCharge", requested: price + 1, refundable: price })
  })
})

describe("decideProvisioningFailure and decideProvisioningRetry", () => {
  const provisioning = () => ({
    wallet: chargedWallet(),
    quota: quotaHolding(1),
    subscription: subscriptionAfter(created()),
    guard: { holder: subscriptionId }
  })

  it("a failure refunds every period charge in full under the provisioning-failed reference, exactly once", () => {
    const { events } = right(
      decideProvisioningFailure(provisioning(), {
        now: "2026-01-31T10:10:00.000Z",
        reason: "timeout",
        instanceName: "n8n-1",
        refundTransactionIds: refundIds
      })
    )
    expect(events.wallet).toMatchObject([
      {
        amount: price,
        reference: `provisioning-failed:${subscriptionId}:TXMP-1`,
        reason: "Provisioning of n8n-1 failed: timeout"
      }
    ])
    expect(events.quota).toHaveLength(1)
    expect(events.guard).toHaveLength(1)
    const failed = {
      ...provisioning(),
      subscription: subscriptionAfter(created(), ...(events.subscription as ReadonlyArray<SubscriptionEvent>))
    }
    expect(
      right(
        decideProvisioningFailure(failed, {
          now: "2026-01-31T10:11:00.000Z",
          reason: "again",
          instanceName: "n8n-1",
          refundTransactionIds: refundIds
        })
      ).events
    ).toEqual({ wallet: [], quota: [], subscription: [], guard: [] })
  })

  it("a retry after a failure claims the service, charges a new first month and takes a slot", () => {
    const failedEvents = right(
      decideProvisioningFailure(provisioning(), {
        now: "2026-01-31T10:10:00.000Z",
        reason: "timeout",
        instanceName: "n8n-1",
        refundTransactionIds: refundIds
      })
    ).events
    const failed = subscriptionAfter(created(), ...failedEvents.subscription)
    const { events } = right(
      decideProvisioningRetry(
        { wallet: funded(price), quota: emptyQuota, subscription: failed, guard: { holder: undefined } },
        { now: "2026-02-02T10:00:00.000Z", chargeTransactionId: "TXMP-3", plan: { name: "n8n Basic", totalQuota: 10 } }
      )
    )
    expect(events.guard).toEqual([{ _tag: "ServiceClaimed", subscriptionId }])
    expect(events.wallet).toMatchObject([
      { transactionId: "TXMP-3", amount: price, reference: `period:${subscriptionId}:2026-02-02T10:00:00.000Z` }
    ])
    expect(events.quota).toEqual([{ _tag: "QuotaSlotTaken", subscriptionId }])
  })
})

describe("decideCreditRedemption", () => {
  const credit: CouponTerms = { ...discount, code: "GIFT", type: "CREDIT_TOPUP", value: 25_000, discountKind: null }
  it("counts the use and credits its value under the redemption's reference", () => {
    const { events, result } = right(
      decideCreditRedemption(
        { coupon: unusedCoupon, wallet: emptyWallet },
        { terms: credit, redemptionId: "r-1", userId: "u-1", now: "2026-01-01T00:00:00.000Z", transactionId: "TXMP-4" }
      )
    )
    expect(result).toEqual({ credited: 25_000, transactionId: "TXMP-4" })
    expect(events.coupon).toMatchObject([{ _tag: "CouponRedeemed", redemptionId: "r-1", amount: 25_000 }])
    expect(events.wallet).toMatchObject([
      { _tag: "CouponCreditGranted", transactionId: "TXMP-4", reference: "coupon:r-1", couponCode: "GIFT" }
    ])
  })
  it("refuses a coupon of another type and credits nothing", () => {
    expect(
      left(
        decideCreditRedemption(
          { coupon: unusedCoupon, wallet: emptyWallet },
          {
            terms: discount,
            redemptionId: "r-1",
            userId: "u-1",
            now: "2026-01-01T00:00:00.000Z",
            transactionId: "TXMP-4"
          }
        )
      )
    ).toMatchObject({ _tag: "InvalidCoupon", reason: "WRONG_TYPE" })
  })
})

describe("decideGatewayReport", () => {
  const pending: PaymentState = {
    ...newPayment,
    status: "PENDING",
    orderId: "TXMP-7",
    userId: "u-1",
    amount: 40_000,
    expiresAt: "2026-01-02T00:00:00.000Z"
  }
  const report = (transactionStatus: string, extra: object = {}) => ({
    report: { transactionStatus, fraudStatus: undefined, grossAmount: 40_000, ...extra },
    creditTransactionId: "TXMP-7",
    debitTransactionId: "TXMP-8"
  })
  it("a settlement settles the payment and credits the top-up once", () => {
    const { events, result } = right(
      decideGatewayReport({ payment: pending, wallet: emptyWallet }, report("settlement"))
    )
    expect(result).toEqual({ applied: true, settled: true })
    expect(events.wallet).toMatchObject([
      { _tag: "TopUpCredited", transactionId: "TXMP-7", amount: 40_000, reference: "topup:TXMP-7" }
    ])
  })
  it("a refund after settlement debits what the wallet holds under the reversal reference", () => {
    const settled = { ...pending, status: "SETTLED" as const }
    const { events, result } = right(
      decideGatewayReport({ payment: settled, wallet: funded(30_000) }, report("refund", { reversalKey: "rk-1" }))
    )
    expect(result).toEqual({ applied: true, settled: false })
    expect(events.wallet).toMatchObject([
      { _tag: "TopUpReversed", transactionId: "TXMP-8", amount: 30_000, reference: "reversal:TXMP-7:rk-1" }
    ])
  })
  it("a pending report changes nothing", () => {
    expect(right(decideGatewayReport({ payment: pending, wallet: emptyWallet }, report("pending")))).toEqual({
      events: { payment: [], wallet: [] },
      result: { applied: false, settled: false }
    })
  })
})

describe("streams derived from aggregate definitions", () => {
  it("a snapshot written on encode loads back to the same state as replaying the events", () => {
    const events = [
      { _tag: "TopUpCredited" as const, transactionId: "TXMP-9", amount: 100_000, reference: "topup:p" },
      {
        _tag: "WalletCharged" as const,
        transactionId: "TXMP-1",
        amount: price,
        reference: "period:s:1",
        cause: { _tag: "SubscriptionPeriod" as const, subscriptionId: "s", periodStart: "1" },
        description: "d"
      }
    ]
    const [append] = walletStream.encode("wallet-u-1", emptyWallet, events)
    const fromSnapshot = walletStream.load({
      streamId: "wallet-u-1",
      version: 2,
      snapshot: { version: 2, state: append!.snapshot },
      events: []
    })
    expect(fromSnapshot).toEqual(replayWallet(emptyWallet, events))
    expect(append!.events.map((e) => e.type)).toEqual(["TopUpCredited", "WalletCharged"])
    const quota = streamOf(quotaAggregate)
    expect(quota.encode("plan-quota-p", emptyQuota, [])).toEqual([])
    expect(
      quota.encode("plan-quota-p", emptyQuota, [{ _tag: "QuotaCapacitySet", capacity: 3, by: "a" }])[0]!.snapshot
    ).toEqual({ v: 1, capacity: 3, used: 0 })
    expect(walletAggregate.initial).toBe(emptyWallet)
  })
})
