import { Either } from "effect"
import { describe, expect, it } from "vitest"
import {
  claimService,
  decideSubscription,
  DuplicateSubscription,
  evolveGuard,
  evolveSubscription,
  InvalidInstanceTransition,
  noSubscription,
  type PlanTerms,
  releaseService,
  RenewalOverdue,
  type ServiceGuardEvent,
  type SubscriptionEvent,
  SubscriptionNotActive,
  UpgradeRequired
} from "../../../domain/subscription/index.ts"
import { deciderSpecification } from "../../support/deciderSpecification.ts"

const { given } = deciderSpecification({
  decide: decideSubscription,
  evolve: evolveSubscription,
  initialState: noSubscription
})

const basic: PlanTerms = { planId: "plan-basic", planType: "BASIC", monthlyPrice: 30_000 }
const pro: PlanTerms = { planId: "plan-pro", planType: "PRO", monthlyPrice: 90_000 }
const free: PlanTerms = { planId: "plan-free", planType: "FREE", monthlyPrice: 0 }
const start = "2026-04-01T00:00:00.000Z" // April: 30 days
const end = "2026-05-01T00:00:00.000Z"
const mid = "2026-04-16T00:00:00.000Z" // exactly half the period left
const id = "sub-1"

const created = (plan: PlanTerms = basic, charged = plan.monthlyPrice): SubscriptionEvent => ({
  _tag: "SubscriptionCreated",
  subscriptionId: id,
  userId: "u1",
  serviceId: "svc",
  plan,
  charged,
  chargeTransactionId: charged > 0 ? "TXMP-1" : null,
  periodStart: start,
  periodEnd: end,
  autoRenew: true,
  instanceName: "blog"
})
const running: SubscriptionEvent = { _tag: "InstanceRunning", at: start }
const upgraded = (charged: number): SubscriptionEvent => ({
  _tag: "SubscriptionUpgraded",
  upgradeId: "up-1",
  from: basic,
  to: pro,
  charged,
  chargeTransactionId: charged > 0 ? "TXMP-2" : null
})
const cancelledEvent: SubscriptionEvent = { _tag: "SubscriptionCancelled", at: mid, by: "u1", reason: "x", refunded: 0 }
const expiredEvent: SubscriptionEvent = { _tag: "SubscriptionExpired", at: end, by: "system", reason: "AUTO_RENEW_OFF" }
const failedEvent: SubscriptionEvent = {
  _tag: "InstanceProvisioningFailed",
  at: start,
  reason: "timeout",
  refunded: 30_000
}
const grace: SubscriptionEvent = {
  _tag: "GracePeriodStarted",
  at: end,
  periodStart: end,
  graceEndsAt: "2026-05-08T00:00:00.000Z",
  amountDue: 30_000,
  balance: 0,
  shortfall: 30_000
}
const suspended: SubscriptionEvent = {
  _tag: "SubscriptionSuspended",
  at: "2026-05-08T00:00:00.000Z",
  graceEndsAt: "2026-05-08T00:00:00.000Z",
  amountDue: 30_000,
  retentionEndsAt: "2026-06-07T00:00:00.000Z"
}
const transitioned = (from: string, to: "STOPPING" | "STOPPED" | "STARTING" | "RESTARTING"): SubscriptionEvent => ({
  _tag: "InstanceTransitioned",
  at: mid,
  from,
  to,
  by: "u1"
})
const notActive = (status: string, subscriptionId = id) => new SubscriptionNotActive({ subscriptionId, status })

const upgrade = (to: PlanTerms, now = mid, bonus = false) => ({
  _tag: "Upgrade" as const,
  upgradeId: "up-1",
  to,
  now,
  chargeTransactionId: "TXMP-2",
  bonus
})
const cancel = (
  refund: "prorated" | "none" | "full",
  refundable = [{ transactionId: "TXMP-1", amount: 30_000 }],
  now = mid
) => ({
  _tag: "Cancel" as const,
  now,
  by: "u1",
  reason: "no longer needed",
  refund,
  refundable
})
const cancelled = (refunded: number, now = mid): SubscriptionEvent => ({
  _tag: "SubscriptionCancelled",
  at: now,
  by: "u1",
  reason: "no longer needed",
  refunded
})

describe("subscription decider: every command", () => {
  describe("Subscribe", () => {
    const subscribe = {
      _tag: "Subscribe" as const,
      subscriptionId: id,
      userId: "u1",
      serviceId: "svc",
      plan: basic,
      charged: 30_000,
      chargeTransactionId: "TXMP-1",
      now: start,
      autoRenew: true,
      instanceName: "blog"
    }
    it("creates the subscription for one calendar month", () => given([]).when(subscribe).then([created()]))
    it("grants a FREE_SERVICE coupon's further months, and no event for none", () => {
      given([])
        .when({ ...subscribe, freeMonths: { couponCode: "FREE3", months: 2 } })
        .then([created(), { _tag: "FreeMonthsGranted", couponCode: "FREE3", months: 2 }])
      given([])
        .when({ ...subscribe, freeMonths: { couponCode: "FREE1", months: 0 } })
        .then([created()])
    })
    it("is a no-op for an id that exists", () => given([created()]).when(subscribe).then([]))
  })

  describe("Upgrade", () => {
    it("charges the price difference for the half period left, rounded down", () => {
      given([created(), running])
        .when(upgrade(pro))
        .then([upgraded(30_000)])
      given([created(), running])
        .when(upgrade({ ...pro, monthlyPrice: 30_001 }))
        .then([{ ...upgraded(0), to: { ...pro, monthlyPrice: 30_001 } } as SubscriptionEvent])
    })
    it("charges nothing for a bonus upgrade", () =>
      given([created()])
        .when(upgrade(pro, mid, true))
        .then([upgraded(0)]))
    it("charges the whole difference at the period's start and nothing at its end", () => {
      given([created()])
        .when(upgrade(pro, start))
        .then([upgraded(60_000)])
      given([created()])
        .when(upgrade(pro, end))
        .then([upgraded(0)])
    })
    it("refuses the same tier or a lower one", () => {
      given([created()])
        .when(upgrade({ ...basic, planId: "plan-basic-2" }))
        .then(new UpgradeRequired({ currentPlanType: "BASIC", requestedPlanType: "BASIC" }))
      given([created()])
        .when(upgrade(free))
        .then(new UpgradeRequired({ currentPlanType: "BASIC", requestedPlanType: "FREE" }))
    })
    it("is a no-op for an upgrade already applied", () =>
      given([created(), upgraded(30_000)])
        .when(upgrade({ ...pro, planType: "PREMIUM" }))
        .then([]))
    it("waits while a renewal is overdue", () => {
      given([created(), grace])
        .when(upgrade(pro))
        .then(new RenewalOverdue({ subscriptionId: id, graceEndsAt: "2026-05-08T00:00:00.000Z" }))
    })
    it("refuses anything not active", () => {
      given([]).when(upgrade(pro)).then(notActive("NONE", ""))
      given([created(), cancelledEvent]).when(upgrade(pro)).then(notActive("CANCELLED"))
      given([created(), grace, suspended]).when(upgrade(pro)).then(notActive("SUSPENDED"))
    })
  })

  describe("SetAutoRenew", () => {
    it("records a change, and nothing for the current setting", () => {
      given([created()])
        .when({ _tag: "SetAutoRenew", enabled: false })
        .then([{ _tag: "AutoRenewChanged", enabled: false }])
      given([created()]).when({ _tag: "SetAutoRenew", enabled: true }).then([])
      given([created(), { _tag: "AutoRenewChanged", enabled: false }])
        .when({ _tag: "SetAutoRenew", enabled: true })
        .then([{ _tag: "AutoRenewChanged", enabled: true }])
    })
    it("refuses anything not active", () =>
      given([created(), expiredEvent]).when({ _tag: "SetAutoRenew", enabled: false }).then(notActive("EXPIRED")))
  })

  describe("Reconfigure", () => {
    const reconfigure = {
      _tag: "Reconfigure" as const,
      now: mid,
      by: "u1",
      displayName: "My blog",
      envKeys: ["A", "B"]
    }
    it("records the new display name and environment keys", () => {
      given([created(), running])
        .when(reconfigure)
        .then([{ _tag: "InstanceReconfigured", at: mid, by: "u1", displayName: "My blog", envKeys: ["A", "B"] }])
    })
    it("refuses anything not active", () => given([created(), failedEvent]).when(reconfigure).then(notActive("FAILED")))
  })

  describe("RetryProvisioning", () => {
    const retry = { _tag: "RetryProvisioning" as const, now: mid, chargeTransactionId: "TXMP-5" }
    const retried = (plan: PlanTerms = basic): SubscriptionEvent => ({
      _tag: "ProvisioningRetried",
      at: mid,
      charged: plan.monthlyPrice,
      chargeTransactionId: plan.monthlyPrice > 0 ? "TXMP-5" : null,
      periodStart: mid,
      periodEnd: "2026-05-16T00:00:00.000Z"
    })
    it.each([
      ["failed", failedEvent],
      ["cancelled", cancelledEvent],
      ["expired", expiredEvent]
    ] as const)("provisions a %s subscription again for a new month at the plan's price", (_, end) => {
      given([created(), end]).when(retry).then([retried()])
    })
    it("charges nothing for a free plan", () =>
      given([created(free), failedEvent])
        .when(retry)
        .then([retried(free)]))
    it("refuses a subscription that is active, suspended or unknown", () => {
      given([created()])
        .when(retry)
        .then(new InvalidInstanceTransition({ from: "PROVISIONING", to: "PROVISIONING" }))
      given([created(), grace, suspended])
        .when(retry)
        .then(new InvalidInstanceTransition({ from: "SUSPENDED", to: "PROVISIONING" }))
      given([])
        .when(retry)
        .then(new InvalidInstanceTransition({ from: "NONE", to: "PROVISIONING" }))
    })
  })

  describe("Extend", () => {
    it("moves the period end by whole days", () => {
      given([created()])
        .when({ _tag: "Extend", days: 3, by: "admin", reason: "outage" })
        .then([{ _tag: "SubscriptionExtended", periodEnd: "2026-05-04T00:00:00.000Z", by: "admin", reason: "outage" }])
    })
    it("refuses anything not active", () =>
      given([created(), cancelledEvent])
        .when({ _tag: "Extend", days: 3, by: "admin", reason: "x" })
        .then(notActive("CANCELLED")))
  })

  describe("Expire", () => {
    const expire = { _tag: "Expire" as const, now: mid, by: "admin", reason: "abuse" }
    const expired: SubscriptionEvent = { _tag: "SubscriptionExpired", at: mid, by: "admin", reason: "abuse" }
    it("expires an active or a suspended subscription", () => {
      given([created()]).when(expire).then([expired])
      given([created(), grace, suspended]).when(expire).then([expired])
    })
    it("refuses one already over", () => {
      given([created(), expiredEvent]).when(expire).then(notActive("EXPIRED"))
      given([]).when(expire).then(notActive("NONE", ""))
    })
  })

  describe("MarkRunning", () => {
    const mark = { _tag: "MarkRunning" as const, now: mid }
    const ran: SubscriptionEvent = { _tag: "InstanceRunning", at: mid }
    it("marks a provisioning, starting or restarting instance running", () => {
      given([created()]).when(mark).then([ran])
      given([
        created(),
        running,
        transitioned("RUNNING", "STOPPING"),
        transitioned("STOPPING", "STOPPED"),
        transitioned("STOPPED", "STARTING")
      ])
        .when(mark)
        .then([ran])
      given([created(), running, transitioned("RUNNING", "RESTARTING")])
        .when(mark)
        .then([ran])
    })
    it("ignores a stale report", () => {
      given([created(), running]).when(mark).then([])
      given([created(), running, transitioned("RUNNING", "STOPPING")])
        .when(mark)
        .then([])
      given([created(), cancelledEvent]).when(mark).then([])
    })
  })

  describe("FailProvisioning", () => {
    const fail = { _tag: "FailProvisioning" as const, now: mid, reason: "timeout" }
    it("fails a provisioning subscription once, refunding the period's charges", () => {
      given([created()])
        .when(fail)
        .then([{ _tag: "InstanceProvisioningFailed", at: mid, reason: "timeout", refunded: 30_000 }])
      given([created(), failedEvent]).when(fail).then([])
    })
    it("ignores an instance that is already running", () => given([created(), running]).when(fail).then([]))
  })

  describe("Transition", () => {
    const to = (target: "STOPPING" | "STOPPED" | "STARTING" | "RESTARTING") => ({
      _tag: "Transition" as const,
      now: mid,
      to: target,
      by: "u1"
    })
    it("follows RUNNING → STOPPING → STOPPED → STARTING, and RUNNING → RESTARTING", () => {
      given([created(), running])
        .when(to("STOPPING"))
        .then([transitioned("RUNNING", "STOPPING")])
      given([created(), running, transitioned("RUNNING", "STOPPING")])
        .when(to("STOPPED"))
        .then([transitioned("STOPPING", "STOPPED")])
      given([created(), running, transitioned("RUNNING", "STOPPING"), transitioned("STOPPING", "STOPPED")])
        .when(to("STARTING"))
        .then([transitioned("STOPPED", "STARTING")])
      given([created(), running])
        .when(to("RESTARTING"))
        .then([transitioned("RUNNING", "RESTARTING")])
    })
    it("refuses every other move", () => {
      given([created()])
        .when(to("STOPPING"))
        .then(new InvalidInstanceTransition({ from: "PROVISIONING", to: "STOPPING" }))
      given([created(), running])
        .when(to("STOPPED"))
        .then(new InvalidInstanceTransition({ from: "RUNNING", to: "STOPPED" }))
      given([created(), running])
        .when(to("STARTING"))
        .then(new InvalidInstanceTransition({ from: "RUNNING", to: "STARTING" }))
      given([created()])
        .when(to("RESTARTING"))
        .then(new InvalidInstanceTransition({ from: "PROVISIONING", to: "RESTARTING" }))
    })
    it("refuses anything not active", () =>
      given([created(), running, cancelledEvent]).when(to("STOPPING")).then(notActive("CANCELLED")))
  })

  describe("Cancel", () => {
    it("refunds the unused half of the current price, rounded up", () => {
      given([created()])
        .when(cancel("prorated"))
        .then([cancelled(15_000)])
      given([created({ ...basic, monthlyPrice: 30_001 })])
        .when(cancel("prorated", [{ transactionId: "TXMP-1", amount: 30_001 }]))
        .then([cancelled(15_001)])
    })
    it("never refunds more than is left of the period's charges", () => {
      // A 50 % coupon: 15 000 paid, half the period left of a 30 000 plan = 15 000, capped by what is refundable.
      given([created(basic, 15_000)])
        .when(cancel("prorated", [{ transactionId: "TXMP-1", amount: 15_000 }]))
        .then([cancelled(15_000)])
      given([created(basic, 15_000)])
        .when(cancel("prorated", [{ transactionId: "TXMP-1", amount: 15_000 }], start))
        .then([cancelled(15_000, start)])
      // An administrator already refunded 20 000 of the 30 000 charge: 10 000 is all that is left.
      given([created()])
        .when(cancel("prorated", [{ transactionId: "TXMP-1", amount: 10_000 }]))
        .then([cancelled(10_000)])
    })
    it("refunds the price of the plan held now, over every charge of the period", () => {
      const charges = [
        { transactionId: "TXMP-1", amount: 30_000 },
        { transactionId: "TXMP-2", amount: 30_000 }
      ]
      given([created(), upgraded(30_000)])
        .when(cancel("prorated", charges))
        .then([cancelled(45_000)])
    })
    it("refunds everything refundable with the full policy, and nothing with none", () => {
      const charges = [
        { transactionId: "TXMP-1", amount: 30_000 },
        { transactionId: "TXMP-2", amount: 12_345 }
      ]
      given([created(), upgraded(12_345)])
        .when(cancel("full", charges))
        .then([cancelled(42_345)])
      given([created(), upgraded(12_345)])
        .when(cancel("none", charges))
        .then([cancelled(0)])
    })
    it("refunds nothing at or after the period's end", () =>
      given([created()])
        .when(cancel("prorated", undefined, end))
        .then([cancelled(0, end)]))
    it("cancels a suspended subscription (nothing refundable is left)", () => {
      given([created(), grace, suspended])
        .when(cancel("prorated", [], "2026-05-10T00:00:00.000Z"))
        .then([cancelled(0, "2026-05-10T00:00:00.000Z")])
    })
    it("refuses one that is over", () => {
      given([created(), cancelledEvent]).when(cancel("prorated")).then(notActive("CANCELLED"))
      given([]).when(cancel("prorated")).then(notActive("NONE", ""))
    })
  })
})

describe("service guard: one subscription per user and service", () => {
  const guardOf = (events: ReadonlyArray<ServiceGuardEvent>) => events.reduce(evolveGuard, { holder: undefined })
  const claimed: ServiceGuardEvent = { _tag: "ServiceClaimed", subscriptionId: "sub-1" }
  const released: ServiceGuardEvent = { _tag: "ServiceReleased", subscriptionId: "sub-1" }

  it("lets the first subscription claim the service, again idempotently, and refuses a second", () => {
    expect(claimService("sub-1", [], guardOf([]))).toEqual(Either.right([claimed]))
    expect(claimService("sub-1", [], guardOf([claimed]))).toEqual(Either.right([]))
    const refusal = claimService("sub-2", ["plan-pro"], guardOf([claimed]))
    expect(Either.isLeft(refusal) && { ...refusal.left }).toEqual({
      ...new DuplicateSubscription({ existingSubscriptionId: "sub-1", upgradeOptions: ["plan-pro"] })
    })
  })

  it("frees the service when its holder releases it, and only then", () => {
    expect(releaseService("sub-1", guardOf([claimed]))).toEqual([released])
    expect(releaseService("sub-2", guardOf([claimed]))).toEqual([])
    expect(guardOf([claimed, { _tag: "ServiceReleased", subscriptionId: "sub-2" }])).toEqual({ holder: "sub-1" })
    expect(claimService("sub-2", [], guardOf([claimed, released]))).toEqual(
      Either.right([{ _tag: "ServiceClaimed", subscriptionId: "sub-2" }])
    )
  })
})

describe("subscription evolve", () => {
  it("keeps the period's charges: the first charge, then each charged upgrade", () => {
    const state = [created(), upgraded(30_000), { ...upgraded(0), upgradeId: "up-2" } as SubscriptionEvent].reduce(
      evolveSubscription,
      noSubscription
    )
    expect(state.periodCharges).toEqual([
      { transactionId: "TXMP-1", amount: 30_000 },
      { transactionId: "TXMP-2", amount: 30_000 }
    ])
    expect(state.upgrades).toEqual(new Set(["up-1", "up-2"]))
  })
  it("ends grace on an extension, a cancellation or an expiry", () => {
    for (const end of [
      { _tag: "SubscriptionExtended", periodEnd: "2026-05-10T00:00:00.000Z", by: "a", reason: "x" } as const,
      cancelledEvent,
      expiredEvent
    ]) {
      const state = [created(), grace, end].reduce(evolveSubscription, noSubscription)
      expect(state.graceEndsAt).toBeUndefined()
      expect(state.lastRenewalAttemptAt).toBeUndefined()
    }
  })
})
