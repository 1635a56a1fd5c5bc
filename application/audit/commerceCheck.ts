import { Schema } from "effect"
import { emptyQuota, evolveQuota, isQuotaStream, planIdOfQuotaStream, QuotaEvent, type QuotaState } from "../../domain/quota/index.ts"
import { evolveSubscription, isSubscriptionStream, noSubscription, SubscriptionEvent, type SubscriptionState } from "../../domain/subscription/index.ts"
import { type AuditCheck, eventRef } from "./auditCheck.ts"

const decodeQuota = Schema.decodeUnknownSync(QuotaEvent)
const decodeSubscription = Schema.decodeUnknownSync(SubscriptionEvent)

/** Plans' quotas and subscriptions (invariant 6): used ≤ total, used = subscriptions holding a slot, rows = replay. */
export const commerceCheck = (): AuditCheck => {
  const quotas = new Map<string, QuotaState>()
  const subscriptions = new Map<string, SubscriptionState>()
  return {
    follows: (streamId) => isQuotaStream(streamId) || isSubscriptionStream(streamId),
    observe: (event, problems) => {
      try {
        if (isQuotaStream(event.streamId)) {
          const planId = planIdOfQuotaStream(event.streamId)
          quotas.set(planId, evolveQuota(quotas.get(planId) ?? emptyQuota, decodeQuota(event.data)))
        } else {
          const id = event.streamId.slice("subscription-".length)
          subscriptions.set(id, evolveSubscription(subscriptions.get(id) ?? noSubscription, decodeSubscription(event.data)))
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
        if (quota.used !== plan.usedQuota) problems.push({ streamId, problem: `plans.used_quota ${plan.usedQuota} differs from replay ${quota.used}` })
        if (quota.capacity !== undefined && quota.capacity !== plan.totalQuota) problems.push({ streamId, problem: `plans.total_quota ${plan.totalQuota} differs from replay ${quota.capacity}` })
        if (quota.used > (quota.capacity ?? plan.totalQuota)) problems.push({ streamId, problem: "more slots used than the plan has" })
        if (quota.used !== (holding.get(plan.id) ?? 0)) problems.push({ streamId, problem: `${quota.used} slots used but ${holding.get(plan.id) ?? 0} subscriptions hold one` })
      }
      const byId = new Map(rows.map((r) => [r.id, r]))
      for (const [id, sub] of subscriptions) {
        const row = byId.get(id)
        if (row === undefined || row.planId !== sub.plan?.planId || row.instanceStatus !== sub.instanceStatus) {
          problems.push({ streamId: `subscription-${id}`, problem: `subscriptions row ${JSON.stringify(row ?? null)} differs from replay (${sub.plan?.planId}, ${sub.instanceStatus})` })
        }
      }
    },
    counts: () => ({ subscriptions: subscriptions.size, quotas: quotas.size })
  }
}
