import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { addMonths, prorate } from "../../domain/shared/index.ts"
import { decideQuota, emptyQuota, evolveQuota, type QuotaState } from "../../domain/quota/index.ts"
import {
  cancellationRefund,
  decideSubscription,
  evolveSubscription,
  noSubscription,
  type PlanTerms,
  refundAllocation,
  type SubscriptionState,
  upgradeCharge
} from "../../domain/subscription/index.ts"

const numRuns = Number(process.env["PROPERTY_RUNS"] ?? 1000)
const tiers = ["FREE", "BASIC", "PRO", "PREMIUM", "ENTERPRISE"] as const
const start = "2026-01-31T10:00:00.000Z"
const end = addMonths(start, 1)
const span = Date.parse(end) - Date.parse(start)

describe("calendar months", () => {
  it("clamps to the end of shorter months and keeps the time of day", () => {
    expect(addMonths("2026-01-31T10:00:00.000Z", 1)).toBe("2026-02-28T10:00:00.000Z")
    expect(addMonths("2028-01-31T10:00:00.000Z", 1)).toBe("2028-02-29T10:00:00.000Z")
    expect(addMonths("2026-03-31T00:00:00.000Z", 1)).toBe("2026-04-30T00:00:00.000Z")
    expect(addMonths("2026-12-15T23:59:59.999Z", 1)).toBe("2027-01-15T23:59:59.999Z")
  })

  it("always moves forward by 28 to 31 days", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }), (d) => {
        const days = (Date.parse(addMonths(d.toISOString(), 1)) - d.getTime()) / 86_400_000
        expect(days).toBeGreaterThanOrEqual(28)
        expect(days).toBeLessThanOrEqual(31)
      }),
      { numRuns }
    )
  })
})

describe("proration", () => {
  const price = fc.integer({ min: 0, max: 50_000_000 })
  const instant = fc
    .integer({ min: -span, max: 2 * span })
    .map((offset) => new Date(Date.parse(start) + offset).toISOString())

  it("an upgrade charge is never negative and never exceeds the price difference", () => {
    fc.assert(
      fc.property(price, price, instant, (from, to, now) => {
        const charge = upgradeCharge(from, to, now, start, end)
        expect(Number.isSafeInteger(charge)).toBe(true)
        expect(charge).toBeGreaterThanOrEqual(0)
        expect(charge).toBeLessThanOrEqual(Math.max(0, to - from))
      }),
      { numRuns }
    )
  })

  it("on exact divisions, an upgrade charges and a cancellation refunds exactly the fraction left, without rounding", () => {
    // The period (28 days of February) split into n equal parts, k of them left; prices multiples of n.
    const parts = fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 24, 28)
    fc.assert(
      fc.property(parts, fc.nat(50_000), fc.nat(50_000), fc.nat(), (n, fromUnits, extraUnits, kSeed) => {
        const k = kSeed % (n + 1)
        const from = fromUnits * n
        const to = from + extraUnits * n
        const now = new Date(Date.parse(end) - (span / n) * k).toISOString()
        expect(upgradeCharge(from, to, now, start, end)).toBe(extraUnits * k)
        expect(cancellationRefund(to, [{ transactionId: "TXMP-1", amount: to }], now, start, end)).toBe((to / n) * k)
      }),
      { numRuns }
    )
  })

  it("prorate is exact integer arithmetic rounded the stated way", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }),
        fc.integer({ min: 0, max: 3e9 }),
        fc.integer({ min: 1, max: 3e9 }),
        (amount, part, whole) => {
          const down = prorate(amount, part, whole, "down")
          const up = prorate(amount, part, whole, "up")
          const exact = BigInt(amount) * BigInt(Math.min(part, whole))
          expect(BigInt(down) * BigInt(whole)).toBeLessThanOrEqual(exact)
          expect(BigInt(up) * BigInt(whole)).toBeGreaterThanOrEqual(exact)
          expect(up - down).toBeLessThanOrEqual(1)
        }
      ),
      { numRuns }
    )
  })

  it("subscribe → upgrades → an admin refund → cancel: every charge and the refund equal a naive model's, under every refund policy", () => {
    const plan = (i: number, monthlyPrice: number): PlanTerms => ({
      planId: `p${i}`,
      planType: tiers[i]!,
      monthlyPrice
    })
    // The model: time in milliseconds, money in exact rationals (BigInt numerator over the period length).
    const floorDiv = (a: bigint, b: bigint) => a / b
    const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b
    const whole = BigInt(span)
    fc.assert(
      fc.property(
        fc
          .array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 5 })
          .map((ps) => [...ps].sort((a, b) => a - b)),
        fc
          .array(fc.integer({ min: 0, max: span }), { minLength: 5, maxLength: 5 })
          .map((ts) => [...ts].sort((a, b) => a - b)),
        fc.constantFrom("prorated" as const, "none" as const, "full" as const),
        fc.option(fc.nat(), { nil: undefined }),
        (prices, times, refundPolicy, adminRefundSeed) => {
          let state: SubscriptionState = noSubscription
          const apply = (decision: Either.Either<ReadonlyArray<Parameters<typeof evolveSubscription>[1]>, unknown>) => {
            const events = Either.getOrThrow(decision)
            for (const e of events) state = evolveSubscription(state, e)
            return events
          }
          apply(
            decideSubscription(
              {
                _tag: "Subscribe",
                subscriptionId: "s",
                userId: "u",
                serviceId: "svc",
                plan: plan(0, prices[0]!),
                charged: prices[0]!,
                chargeTransactionId: prices[0]! > 0 ? "TXMP-1" : null,
                now: start,
                autoRenew: true,
                instanceName: "i"
              },
              state
            )
          )
          const modelCharges: Array<number> = [prices[0]!]
          let cost = 0
          let held = 0
          for (let i = 1; i < prices.length; i++) {
            const at = times[i - 1]!
            cost += (prices[i - 1]! * (at - held)) / span
            held = at
            const [event] = apply(
              decideSubscription(
                {
                  _tag: "Upgrade",
                  upgradeId: `u${i}`,
                  to: plan(i, prices[i]!),
                  now: new Date(Date.parse(start) + at).toISOString(),
                  chargeTransactionId: `TXMP-${i + 1}`,
                  bonus: false
                },
                state
              )
            )
            // Model: the price difference for the time left, rounded down (in the customer's favour).
            const expected = Number(floorDiv(BigInt(prices[i]! - prices[i - 1]!) * BigInt(span - at), whole))
            expect(event).toMatchObject({ _tag: "SubscriptionUpgraded", charged: expected })
            if (expected > 0) modelCharges.push(expected)
          }
          const paid = modelCharges.reduce((sum, c) => sum + c, 0)
          expect(state.periodCharges.map((c) => c.amount)).toEqual(modelCharges.filter((c) => c > 0))
          // An administrator refunded part of the newest charge first: only the rest is refundable.
          const adminRefund =
            adminRefundSeed === undefined || state.periodCharges.length === 0
              ? 0
              : adminRefundSeed % (state.periodCharges.at(-1)!.amount + 1)
          const refundable = state.periodCharges.map((c, i, all) =>
            i === all.length - 1 ? { ...c, amount: c.amount - adminRefund } : c
          )
          const left = paid - adminRefund
          const cancelAt = times[4]!
          cost += (prices.at(-1)! * (cancelAt - held)) / span
          const [cancelled] = apply(
            decideSubscription(
              {
                _tag: "Cancel",
                now: new Date(Date.parse(start) + cancelAt).toISOString(),
                by: "u",
                reason: "test",
                refund: refundPolicy,
                refundable
              },
              state
            )
          )
          const expectedRefund =
            refundPolicy === "none"
              ? 0
              : refundPolicy === "full"
                ? left
                : Math.min(left, Number(ceilDiv(BigInt(prices.at(-1)!) * BigInt(span - cancelAt), whole)))
          expect(cancelled).toMatchObject({ _tag: "SubscriptionCancelled", refunded: expectedRefund })
          // What the customer keeps paying never exceeds what the plans cost for the time held (prorated policy).
          if (refundPolicy === "prorated") expect(paid - adminRefund - expectedRefund).toBeLessThanOrEqual(cost + 1e-6)
          const allocation = refundAllocation(expectedRefund, refundable)
          expect(allocation.reduce((sum, a) => sum + a.amount, 0)).toBe(expectedRefund)
          for (const a of allocation)
            expect(a.amount).toBeLessThanOrEqual(refundable.find((c) => c.transactionId === a.transactionId)!.amount)
          expect(cancellationRefund(prices.at(-1)!, state.periodCharges, end, start, end)).toBe(0)
        }
      ),
      { numRuns }
    )
  })
})

describe("quota", () => {
  it("used ≤ total and used = the slots held, over random subscribe/leave/capacity sequences", () => {
    // The subscription aggregate takes a slot only when it has none and releases only its own:
    // the commands below follow that rule, as the application does.
    const step = fc.oneof(
      fc.record({ kind: fc.constant("take" as const), who: fc.constantFrom("a", "b", "c", "d", "e", "f") }),
      fc.record({ kind: fc.constant("release" as const), who: fc.constantFrom("a", "b", "c", "d", "e", "f") }),
      fc.record({ kind: fc.constant("capacity" as const), capacity: fc.integer({ min: 0, max: 5 }) })
    )
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.array(step, { maxLength: 40 }), (catalogCapacity, steps) => {
        let state: QuotaState = emptyQuota
        const holders = new Set<string>()
        for (const s of steps) {
          if (s.kind === "take" && holders.has(s.who)) continue
          if (s.kind === "release" && !holders.has(s.who)) continue
          const command =
            s.kind === "take"
              ? { _tag: "TakeSlot" as const, subscriptionId: s.who, catalogCapacity }
              : s.kind === "release"
                ? { _tag: "ReleaseSlot" as const, subscriptionId: s.who }
                : { _tag: "SetCapacity" as const, capacity: s.capacity, by: "admin" }
          const decision = decideQuota(command, state)
          if (Either.isLeft(decision)) continue
          for (const e of decision.right) {
            state = evolveQuota(state, e)
            if (e._tag === "QuotaSlotTaken") holders.add(e.subscriptionId)
            if (e._tag === "QuotaSlotReleased") holders.delete(e.subscriptionId)
          }
          expect(state.used).toBeLessThanOrEqual(state.capacity ?? catalogCapacity)
          expect(state.used).toBe(holders.size)
        }
      }),
      { numRuns }
    )
  })
})
