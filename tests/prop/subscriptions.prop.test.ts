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
    fc.assert(fc.property(fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }), (d) => {
      const days = (Date.parse(addMonths(d.toISOString(), 1)) - d.getTime()) / 86_400_000
      expect(days).toBeGreaterThanOrEqual(28)
      expect(days).toBeLessThanOrEqual(31)
    }), { numRuns })
  })
})

describe("proration", () => {
  const price = fc.integer({ min: 0, max: 50_000_000 })
  const instant = fc.integer({ min: -span, max: 2 * span }).map((offset) => new Date(Date.parse(start) + offset).toISOString())

  it("an upgrade charge is never negative and never exceeds the new price", () => {
    fc.assert(fc.property(price, price, instant, (from, to, now) => {
      const charge = upgradeCharge(from, to, now, start, end)
      expect(Number.isSafeInteger(charge)).toBe(true)
      expect(charge).toBeGreaterThanOrEqual(0)
      expect(charge).toBeLessThanOrEqual(to)
    }), { numRuns })
  })

  it("prorate is exact integer arithmetic rounded the stated way", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 3e9 }), fc.integer({ min: 1, max: 3e9 }), (amount, part, whole) => {
      const down = prorate(amount, part, whole, "down")
      const up = prorate(amount, part, whole, "up")
      const exact = (BigInt(amount) * BigInt(Math.min(part, whole)))
      expect(BigInt(down) * BigInt(whole)).toBeLessThanOrEqual(exact)
      expect(BigInt(up) * BigInt(whole)).toBeGreaterThanOrEqual(exact)
      expect(up - down).toBeLessThanOrEqual(1)
    }), { numRuns })
  })

  it("charges − refunds over subscribe → upgrades → cancel never exceed what the plans cost for the time held", () => {
    const plan = (i: number, monthlyPrice: number): PlanTerms => ({ planId: `p${i}`, planType: tiers[i]!, monthlyPrice })
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 5 }).map((ps) => [...ps].sort((a, b) => a - b)),
      fc.array(fc.integer({ min: 0, max: span }), { minLength: 5, maxLength: 5 }).map((ts) => [...ts].sort((a, b) => a - b)),
      fc.constantFrom("prorated" as const, "none" as const),
      (prices, times, refundPolicy) => {
        let state: SubscriptionState = noSubscription
        const apply = (decision: Either.Either<ReadonlyArray<Parameters<typeof evolveSubscription>[1]>, unknown>) => {
          const events = Either.getOrThrow(decision)
          for (const e of events) state = evolveSubscription(state, e)
          return events
        }
        apply(decideSubscription({ _tag: "Subscribe", subscriptionId: "s", userId: "u", serviceId: "svc", plan: plan(0, prices[0]!), charged: prices[0]!, chargeTransactionId: prices[0]! > 0 ? "TXMP-1" : null, now: start, autoRenew: true, instanceName: "i" }, state))
        let paid = prices[0]!
        let cost = 0
        let held = 0
        for (let i = 1; i < prices.length; i++) {
          const at = times[i - 1]!
          cost += (state.plan!.monthlyPrice * (at - held)) / span
          held = at
          const [event] = apply(decideSubscription({ _tag: "Upgrade", upgradeId: `u${i}`, to: plan(i, prices[i]!), now: new Date(Date.parse(start) + at).toISOString(), chargeTransactionId: `TXMP-${i + 1}`, bonus: false }, state))
          if (event?._tag === "SubscriptionUpgraded") paid += event.charged
        }
        const cancelAt = times[4]!
        cost += (state.plan!.monthlyPrice * (cancelAt - held)) / span
        const [cancelled] = apply(decideSubscription({ _tag: "Cancel", now: new Date(Date.parse(start) + cancelAt).toISOString(), by: "u", reason: "test", refund: refundPolicy, refundable: state.periodCharges }, state))
        const refunded = cancelled?._tag === "SubscriptionCancelled" ? cancelled.refunded : 0
        expect(refunded).toBeLessThanOrEqual(paid)
        expect(paid - refunded).toBeLessThanOrEqual(Math.max(cost, refundPolicy === "none" ? paid : cost) + 1e-6)
        const allocation = refundAllocation(refunded, state.periodCharges)
        expect(allocation.reduce((s, a) => s + a.amount, 0)).toBe(refunded)
        for (const a of allocation) expect(a.amount).toBeLessThanOrEqual(state.periodCharges.find((c) => c.transactionId === a.transactionId)!.amount)
        expect(cancellationRefund(state.plan!.monthlyPrice, state.periodCharges, end, start, end)).toBe(0)
      }
    ), { numRuns })
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
    fc.assert(fc.property(fc.integer({ min: 0, max: 4 }), fc.array(step, { maxLength: 40 }), (catalogCapacity, steps) => {
      let state: QuotaState = emptyQuota
      const holders = new Set<string>()
      for (const s of steps) {
        if (s.kind === "take" && holders.has(s.who)) continue
        if (s.kind === "release" && !holders.has(s.who)) continue
        const command = s.kind === "take"
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
    }), { numRuns })
  })
})
