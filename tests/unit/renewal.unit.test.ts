import { Either } from "effect"
import { describe, expect, it } from "vitest"
import {
  decideReactivation,
  decideSubscription,
  decideRenewal,
  type RenewalContext,
  type RenewalOutcome,
  type RenewalStates,
  runwayOf
} from "../../domain/subscription/index.ts"
import { created, price, quotaHolding, states, subscriptionAfter, subscriptionId } from "../support/renewalMother.ts"

const ctx = (now: string, trigger: RenewalContext["trigger"] = "schedule"): RenewalContext => ({
  now,
  trigger,
  chargeTransactionId: "TXMP-50",
  retentionDays: 30
})
const decide = (given: RenewalStates, now: string, trigger: RenewalContext["trigger"] = "schedule"): RenewalOutcome => {
  const decision = decideRenewal(given, ctx(now, trigger))
  if (Either.isLeft(decision)) throw new Error(decision.left._tag)
  return decision.right
}
const tags = (o: RenewalOutcome) => o.subscription.map((e) => e._tag)

describe("decideRenewal", () => {
  it("given a period not yet over, when the scheduler looks, then nothing happens", () => {
    expect(tags(decide(states(subscriptionAfter(created()), 100_000), "2026-02-28T09:59:59.999Z"))).toEqual([])
  })

  it("given enough credit at period end, then one calendar month is charged from the old period end under the period's reference", () => {
    const out = decide(states(subscriptionAfter(created()), 60_000), "2026-02-28T11:00:00.000Z")
    expect(out.subscription).toEqual([
      {
        _tag: "SubscriptionRenewed",
        at: "2026-02-28T11:00:00.000Z",
        periodStart: "2026-02-28T10:00:00.000Z",
        periodEnd: "2026-03-28T10:00:00.000Z",
        charged: price,
        chargeTransactionId: "TXMP-50",
        freeMonth: false,
        afterGrace: false
      }
    ])
    expect(out.wallet).toMatchObject([
      { _tag: "WalletCharged", amount: price, reference: `period:${subscriptionId}:2026-02-28T10:00:00.000Z` }
    ])
    expect(out.quota).toEqual([])
    expect(out.cluster).toBe("none")
  })

  it("given too little credit at period end, then grace starts, ending exactly 7 days after the period end, and the app keeps running", () => {
    const out = decide(states(subscriptionAfter(created()), 10_000), "2026-02-28T12:00:00.000Z")
    expect(out.subscription).toEqual([
      {
        _tag: "GracePeriodStarted",
        at: "2026-02-28T12:00:00.000Z",
        periodStart: "2026-02-28T10:00:00.000Z",
        graceEndsAt: "2026-03-07T10:00:00.000Z",
        amountDue: price,
        balance: 10_000,
        shortfall: 40_000
      }
    ])
    expect(out.wallet).toEqual([])
    expect(out.cluster).toBe("none")
  })

  const inGrace = subscriptionAfter(created(), {
    _tag: "GracePeriodStarted",
    at: "2026-02-28T12:00:00.000Z",
    periodStart: "2026-02-28T10:00:00.000Z",
    graceEndsAt: "2026-03-07T10:00:00.000Z",
    amountDue: price,
    balance: 10_000,
    shortfall: 40_000
  })

  it("given grace and credit arriving, then it renews at once from the original period end (no free days)", () => {
    const out = decide(states(inGrace, price), "2026-03-03T08:00:00.000Z", "credit")
    expect(out.subscription).toMatchObject([
      {
        _tag: "SubscriptionRenewed",
        periodStart: "2026-02-28T10:00:00.000Z",
        periodEnd: "2026-03-28T10:00:00.000Z",
        afterGrace: true
      }
    ])
  })

  it("given grace and still too little credit, then a credit trigger writes nothing and the daily retry writes one failure a day", () => {
    expect(tags(decide(states(inGrace, 10_000), "2026-03-01T08:00:00.000Z", "credit"))).toEqual([])
    expect(tags(decide(states(inGrace, 10_000), "2026-03-01T11:00:00.000Z"))).toEqual([]) // < 24 h since the last attempt
    expect(tags(decide(states(inGrace, 10_000), "2026-03-01T12:00:00.000Z"))).toEqual(["RenewalRetryFailed"])
  })

  it("given grace not over at its last instant, then no suspension; at graceEndsAt, then suspended: slot released, scaled to 0", () => {
    expect(tags(decide(states(inGrace, 0), "2026-03-07T09:59:59.999Z", "credit"))).toEqual([])
    const out = decide(states(inGrace, 0), "2026-03-07T10:00:00.000Z")
    expect(out.subscription).toEqual([
      {
        _tag: "SubscriptionSuspended",
        at: "2026-03-07T10:00:00.000Z",
        graceEndsAt: "2026-03-07T10:00:00.000Z",
        amountDue: price,
        retentionEndsAt: "2026-04-06T10:00:00.000Z"
      }
    ])
    expect(out.quota).toEqual([{ _tag: "QuotaSlotReleased", subscriptionId }])
    expect(out.guard).toEqual([])
    expect(out.cluster).toBe("scaleDown")
  })

  it("given grace over but credit arrived meanwhile, then it renews instead of suspending", () => {
    expect(tags(decide(states(inGrace, price), "2026-03-08T00:00:00.000Z"))).toEqual(["SubscriptionRenewed"])
  })

  const suspended = subscriptionAfter(created(), {
    _tag: "SubscriptionSuspended",
    at: "2026-03-07T10:00:00.000Z",
    graceEndsAt: "2026-03-07T10:00:00.000Z",
    amountDue: price,
    retentionEndsAt: "2026-04-06T10:00:00.000Z"
  })

  it("given a suspension within retention, then nothing; past retention, then expired: service released and resources removed, no slot touched", () => {
    expect(tags(decide(states(suspended, 1_000_000, quotaHolding(0)), "2026-04-06T09:00:00.000Z"))).toEqual([])
    const out = decide(states(suspended, 0, quotaHolding(0)), "2026-04-06T10:00:00.000Z")
    expect(out.subscription).toMatchObject([
      { _tag: "SubscriptionExpired", by: "system", reason: "SUSPENSION_RETENTION_OVER" }
    ])
    expect(out.quota).toEqual([])
    expect(out.guard).toEqual([{ _tag: "ServiceReleased", subscriptionId }])
    expect(out.cluster).toBe("remove")
  })

  it("given auto-renew off, when the period ends, then it expires without a charge: slot and service released, resources removed", () => {
    const out = decide(
      states(subscriptionAfter(created(undefined, undefined, false)), 1_000_000),
      "2026-02-28T10:00:00.000Z"
    )
    expect(out.subscription).toMatchObject([{ _tag: "SubscriptionExpired", reason: "AUTO_RENEW_OFF" }])
    expect(out.wallet).toEqual([])
    expect(out.quota).toEqual([{ _tag: "QuotaSlotReleased", subscriptionId }])
    expect(out.cluster).toBe("remove")
  })

  it("given FREE_SERVICE months left, then renewals cost 0 and count down, then charge again", () => {
    const free = subscriptionAfter(created(), { _tag: "FreeMonthsGranted", couponCode: "FREE3", months: 1 })
    const first = decide(states(free, 0), "2026-02-28T10:00:00.000Z")
    expect(first.subscription).toMatchObject([
      { _tag: "SubscriptionRenewed", charged: 0, chargeTransactionId: null, freeMonth: true }
    ])
    // The free month is on record: a 0-rupiah line with its reason, under the period's charge reference.
    expect(first.wallet).toMatchObject([
      { _tag: "FreeGrantRecorded", amount: 0, reason: "FREE_SERVICE", reference: expect.stringMatching(/^period:/) }
    ])
    const after = subscriptionAfter(
      created(),
      { _tag: "FreeMonthsGranted", couponCode: "FREE3", months: 1 },
      first.subscription[0]!
    )
    expect(after.freeMonthsLeft).toBe(0)
    expect(tags(decide(states(after, 0), "2026-03-28T10:00:00.000Z"))).toEqual(["GracePeriodStarted"])
  })

  it("given a cancelled or expired subscription, then nothing is ever charged", () => {
    const cancelled = subscriptionAfter(created(), {
      _tag: "SubscriptionCancelled",
      at: "2026-02-10T00:00:00.000Z",
      by: "u-1",
      reason: "x",
      refunded: 0
    })
    expect(decide(states(cancelled, 1_000_000), "2027-01-01T00:00:00.000Z")).toMatchObject({
      subscription: [],
      wallet: []
    })
  })

  it("given an admin extension during grace, then the grace ends and the next decision starts from the new period end", () => {
    const extended = subscriptionAfter(created(), inGraceEvent, {
      _tag: "SubscriptionExtended",
      periodEnd: "2026-03-10T10:00:00.000Z",
      by: "admin",
      reason: "outage"
    })
    expect(extended.graceEndsAt).toBeUndefined()
    expect(tags(decide(states(extended, 0), "2026-03-09T00:00:00.000Z"))).toEqual([])
    expect(decide(states(extended, 0), "2026-03-10T10:00:00.000Z").subscription).toMatchObject([
      { _tag: "GracePeriodStarted", graceEndsAt: "2026-03-17T10:00:00.000Z" }
    ])
  })
})

const inGraceEvent = {
  _tag: "GracePeriodStarted",
  at: "2026-02-28T12:00:00.000Z",
  periodStart: "2026-02-28T10:00:00.000Z",
  graceEndsAt: "2026-03-07T10:00:00.000Z",
  amountDue: price,
  balance: 0,
  shortfall: price
} as const

describe("decideReactivation", () => {
  const suspended = subscriptionAfter(created(), inGraceEvent, {
    _tag: "SubscriptionSuspended",
    at: "2026-03-07T10:00:00.000Z",
    graceEndsAt: "2026-03-07T10:00:00.000Z",
    amountDue: price,
    retentionEndsAt: "2026-04-06T10:00:00.000Z"
  })
  const reactivate = (given: RenewalStates, now: string) =>
    decideReactivation(given, { now, chargeTransactionId: "TXMP-60", catalogCapacity: 5 })

  it("given a suspension within retention, credit and a free slot, then a new month from now is charged, the slot taken, the instance scaled up", () => {
    const out = Either.getOrThrow(reactivate(states(suspended, price, quotaHolding(0)), "2026-03-20T09:00:00.000Z"))
    expect(out.subscription).toEqual([
      {
        _tag: "SubscriptionReactivated",
        at: "2026-03-20T09:00:00.000Z",
        periodStart: "2026-03-20T09:00:00.000Z",
        periodEnd: "2026-04-20T09:00:00.000Z",
        charged: price,
        chargeTransactionId: "TXMP-60"
      }
    ])
    expect(out.wallet).toMatchObject([
      { _tag: "WalletCharged", amount: price, reference: `period:${subscriptionId}:2026-03-20T09:00:00.000Z` }
    ])
    expect(out.quota).toEqual([{ _tag: "QuotaSlotTaken", subscriptionId }])
    expect(out.cluster).toBe("scaleUp")
  })

  it("given too little credit, then INSUFFICIENT credit; given a full plan, then QuotaExceeded; nothing written", () => {
    expect(
      Either.getLeft(reactivate(states(suspended, 10, quotaHolding(0)), "2026-03-20T09:00:00.000Z")).pipe(
        (l) => l._tag === "Some" && l.value._tag
      )
    ).toBe("InsufficientCredit")
    expect(
      Either.getLeft(reactivate(states(suspended, price, quotaHolding(5)), "2026-03-20T09:00:00.000Z")).pipe(
        (l) => l._tag === "Some" && l.value._tag
      )
    ).toBe("QuotaExceeded")
  })

  it("given retention over, or a subscription that is not suspended, then NotReactivatable", () => {
    expect(
      Either.getLeft(reactivate(states(suspended, price, quotaHolding(0)), "2026-04-06T10:00:00.000Z")).pipe(
        (l) => l._tag === "Some" && l.value._tag
      )
    ).toBe("NotReactivatable")
    expect(
      Either.getLeft(reactivate(states(subscriptionAfter(created()), price), "2026-03-01T00:00:00.000Z")).pipe(
        (l) => l._tag === "Some" && l.value._tag
      )
    ).toBe("NotReactivatable")
  })
})

describe("runwayOf", () => {
  it("given no auto-renewing subscription, then no failure date", () => {
    expect(runwayOf(10_000, [], "2026-01-01T00:00:00.000Z")).toEqual({
      monthlyCost: 0,
      renewalsCovered: null,
      firstFailureAt: null
    })
  })

  it("given two subscriptions, then renewals are paid in date order until the first one the balance cannot cover", () => {
    const runway = runwayOf(
      120_000,
      [
        { monthlyPrice: 50_000, nextRenewal: "2026-01-10T00:00:00.000Z", freeMonthsLeft: 0 },
        { monthlyPrice: 30_000, nextRenewal: "2026-01-05T00:00:00.000Z", freeMonthsLeft: 1 }
      ],
      "2026-01-01T00:00:00.000Z"
    )
    // Jan 5 free, Jan 10 50k (70k left), Feb 5 30k (40k left), Feb 10 50k fails.
    expect(runway).toEqual({ monthlyCost: 80_000, renewalsCovered: 3, firstFailureAt: "2026-02-10T00:00:00.000Z" })
  })
})

describe("decideSubscription during grace and suspension", () => {
  const inGrace = subscriptionAfter(created(), inGraceEvent)
  it("given grace, when upgrading, then RenewalOverdue (the period being upgraded is unpaid)", () => {
    const decision = decideSubscription(
      {
        _tag: "Upgrade",
        upgradeId: "up-1",
        to: { planId: "plan-pro", planType: "PRO", monthlyPrice: 90_000 },
        now: "2026-03-01T00:00:00.000Z",
        chargeTransactionId: "TXMP-70",
        bonus: false
      },
      inGrace
    )
    expect(Either.getLeft(decision).pipe((l) => l._tag === "Some" && l.value._tag)).toBe("RenewalOverdue")
  })
  it("given grace, when stopping, then allowed (the app is still the user's); given a suspension, when starting, then refused", () => {
    const running = subscriptionAfter(
      created(),
      { _tag: "InstanceRunning", at: "2026-01-31T10:01:00.000Z" },
      inGraceEvent
    )
    expect(
      Either.isRight(
        decideSubscription({ _tag: "Transition", now: "2026-03-01T00:00:00.000Z", to: "STOPPING", by: "u-1" }, running)
      )
    ).toBe(true)
    const suspended = subscriptionAfter(created(), inGraceEvent, {
      _tag: "SubscriptionSuspended",
      at: "2026-03-07T10:00:00.000Z",
      graceEndsAt: "2026-03-07T10:00:00.000Z",
      amountDue: price,
      retentionEndsAt: "2026-04-06T10:00:00.000Z"
    })
    expect(
      Either.getLeft(
        decideSubscription(
          { _tag: "Transition", now: "2026-03-08T00:00:00.000Z", to: "STARTING", by: "u-1" },
          suspended
        )
      ).pipe((l) => l._tag === "Some" && l.value._tag)
    ).toBe("SubscriptionNotActive")
  })
  it("given a suspension, when cancelled, then nothing is refunded (its period is over)", () => {
    const suspended = subscriptionAfter(created(), inGraceEvent, {
      _tag: "SubscriptionSuspended",
      at: "2026-03-07T10:00:00.000Z",
      graceEndsAt: "2026-03-07T10:00:00.000Z",
      amountDue: price,
      retentionEndsAt: "2026-04-06T10:00:00.000Z"
    })
    expect(
      Either.getOrThrow(
        decideSubscription(
          {
            _tag: "Cancel",
            now: "2026-03-08T00:00:00.000Z",
            by: "u-1",
            reason: "bye",
            refund: "prorated",
            refundable: []
          },
          suspended
        )
      )
    ).toMatchObject([{ _tag: "SubscriptionCancelled", refunded: 0 }])
  })
  it("given a FREE_SERVICE coupon of 3 months, when subscribing, then 2 free renewals are granted", () => {
    const events = Either.getOrThrow(
      decideSubscription(
        {
          _tag: "Subscribe",
          subscriptionId,
          userId: "u-1",
          serviceId: "svc-1",
          plan: { planId: "plan-basic", planType: "BASIC", monthlyPrice: price },
          charged: 0,
          chargeTransactionId: null,
          now: "2026-01-31T10:00:00.000Z",
          autoRenew: true,
          instanceName: "n8n-1",
          freeMonths: { couponCode: "FREE3", months: 2 }
        },
        subscriptionAfter()
      )
    )
    expect(events.map((e) => e._tag)).toEqual(["SubscriptionCreated", "FreeMonthsGranted"])
    expect(subscriptionAfter(...events).freeMonthsLeft).toBe(2)
  })
})
