import {
  emptyQuota,
  evolveQuota,
  isQuotaStream,
  planIdOfQuotaStream,
  QuotaEvent,
  type QuotaState
} from "../../domain/quota/index.ts"
import {
  evolveSubscription,
  graceDays,
  isSubscriptionStream,
  noSubscription,
  SubscriptionEvent,
  type SubscriptionState
} from "../../domain/subscription/index.ts"
import { fastDecodeSync } from "../shared/fastDecode.ts"
import { type AuditCheck, eventRef } from "./auditCheck.ts"

const decodeQuota = fastDecodeSync(QuotaEvent)
const decodeSubscription = fastDecodeSync(SubscriptionEvent)

/** Plans' quotas and subscriptions (invariant 6): used ≤ total, used = subscriptions holding a slot, rows = replay. */
export const commerceCheck = (): AuditCheck => {
  const quotas = new Map<string, QuotaState>()
  const subscriptions = new Map<string, SubscriptionState>()
  /** Subscriptions holding a slot, from the quota streams' own events. */
  const slotHolders = new Set<string>()
  return {
    follows: (streamId) => isQuotaStream(streamId) || isSubscriptionStream(streamId),
    observe: (event, problems) => {
      try {
        if (isQuotaStream(event.streamId)) {
          const planId = planIdOfQuotaStream(event.streamId)
          const quotaEvent = decodeQuota(event.data)
          quotas.set(planId, evolveQuota(quotas.get(planId) ?? emptyQuota, quotaEvent))
          if (quotaEvent._tag === "QuotaSlotTaken") slotHolders.add(quotaEvent.subscriptionId)
          if (quotaEvent._tag === "QuotaSlotReleased") slotHolders.delete(quotaEvent.subscriptionId)
        } else {
          const id = event.streamId.slice("subscription-".length)
          const before = subscriptions.get(id) ?? noSubscription
          const subscriptionEvent = decodeSubscription(event.data)
          for (const problem of renewalProblems(before, subscriptionEvent))
            problems.push({ ...eventRef(event), problem })
          subscriptions.set(id, evolveSubscription(before, subscriptionEvent))
        }
      } catch {
        problems.push({ ...eventRef(event), problem: `event does not decode (${event.type})` })
      }
    },
    compare: ({ plans, subscriptions: rows }, problems) => {
      const holding = new Map<string, number>()
      for (const sub of subscriptions.values()) {
        if (sub.status === "ACTIVE" && sub.plan) holding.set(sub.plan.planId, (holding.get(sub.plan.planId) ?? 0) + 1)
      }
      for (const plan of plans) {
        const streamId = `plan-quota-${plan.id}`
        const quota = quotas.get(plan.id) ?? emptyQuota
        if (quota.used !== plan.usedQuota)
          problems.push({ streamId, problem: `plans.used_quota ${plan.usedQuota} differs from replay ${quota.used}` })
        if (quota.capacity !== undefined && quota.capacity !== plan.totalQuota)
          problems.push({
            streamId,
            problem: `plans.total_quota ${plan.totalQuota} differs from replay ${quota.capacity}`
          })
        if (quota.used > (quota.capacity ?? plan.totalQuota))
          problems.push({ streamId, problem: "more slots used than the plan has" })
        if (quota.used !== (holding.get(plan.id) ?? 0))
          problems.push({
            streamId,
            problem: `${quota.used} slots used but ${holding.get(plan.id) ?? 0} subscriptions hold one`
          })
      }
      for (const [id, sub] of subscriptions) {
        const holds = slotHolders.has(id)
        if (sub.status === "SUSPENDED" && holds)
          problems.push({ streamId: `subscription-${id}`, problem: "suspended but still holds a quota slot" })
        if (sub.status === "ACTIVE" && !holds)
          problems.push({ streamId: `subscription-${id}`, problem: "active but holds no quota slot" })
      }
      const byId = new Map(rows.map((r) => [r.id, r]))
      for (const [id, sub] of subscriptions) {
        const row = byId.get(id)
        if (row === undefined || row.planId !== sub.plan?.planId || row.instanceStatus !== sub.instanceStatus) {
          problems.push({
            streamId: `subscription-${id}`,
            problem: `subscriptions row ${JSON.stringify(row ?? null)} differs from replay (${sub.plan?.planId}, ${sub.instanceStatus})`
          })
        }
      }
    },
    counts: () => ({ subscriptions: subscriptions.size, quotas: quotas.size })
  }
}

const graceMs = graceDays * 86_400_000

/**
 * The renewal rules, replayed: renewals continue from the period end (no gap, no free days),
 * grace lasts exactly 7 days and opens only once, and every grace ends in a renewal, a
 * suspension (not before its end), a cancellation, an expiry or an administrator's extension.
 */
const renewalProblems = (before: SubscriptionState, event: SubscriptionEvent): ReadonlyArray<string> => {
  switch (event._tag) {
    case "SubscriptionRenewed":
      return event.periodStart === before.periodEnd
        ? []
        : [`renewal starts ${event.periodStart}, not at the period end ${before.periodEnd}`]
    case "GracePeriodStarted":
      return [
        ...(before.graceEndsAt !== undefined ? ["grace started while one is open"] : []),
        ...(event.periodStart !== before.periodEnd
          ? [`grace for ${event.periodStart}, not for the period end ${before.periodEnd}`]
          : []),
        ...(Date.parse(event.graceEndsAt) - Date.parse(event.periodStart) !== graceMs
          ? [`grace ends ${event.graceEndsAt}: not ${graceDays} days after ${event.periodStart}`]
          : [])
      ]
    case "SubscriptionSuspended":
      return before.graceEndsAt === undefined
        ? ["suspended without a grace period"]
        : event.at < before.graceEndsAt
          ? [`suspended at ${event.at}, before its grace ended at ${before.graceEndsAt}`]
          : []
    case "RenewalRetryFailed":
      return before.graceEndsAt === undefined ? ["renewal retry outside a grace period"] : []
    default:
      return []
  }
}
