import { Context, type Effect } from "effect"
import type { PlanType } from "../../domain/subscription/index.ts"

export interface SubscriptionView {
  readonly id: string
  readonly userId: string
  readonly serviceId: string
  readonly planId: string
  readonly planType: PlanType
  readonly monthlyPrice: number
  /** PENDING_DEPLOYMENT until its instance runs, ACTIVE, CANCELLED. */
  readonly status: string
  readonly instanceName: string
  readonly instanceStatus: string
  readonly autoRenew: boolean
  readonly periodStart: string
  readonly periodEnd: string
  /** The next renewal date while auto-renew is on. */
  readonly nextBillingDate: string | null
  readonly createdAt: string
  readonly updatedAt: string
  readonly cancelledAt: string | null
  readonly instanceError: string | null
  /** When the current provisioning began (creation or a retry): the timeout counts from here. */
  readonly provisioningStartedAt: string
  readonly displayName: string
  /** The earlier version's names of periodStart, periodEnd and nextBillingDate, kept for its clients. */
  readonly startDate: string
  readonly endDate: string
  readonly nextBilling: string | null
}

/** Adds the earlier version's field names to a view. */
export const withSeedNames = (view: Omit<SubscriptionView, "startDate" | "endDate" | "nextBilling">): SubscriptionView => ({
  ...view,
  startDate: view.periodStart,
  endDate: view.periodEnd,
  nextBilling: view.nextBillingDate
})

export interface SubscriptionSearch {
  readonly status?: string | undefined
  readonly userId?: string | undefined
  readonly serviceId?: string | undefined
  readonly planId?: string | undefined
  /** Matches the instance name or the owner's email. */
  readonly q?: string | undefined
  readonly page: number
  readonly limit: number
}

export interface SubscriptionStats {
  readonly total: number
  readonly byStatus: Readonly<Record<string, number>>
  readonly byPlan: ReadonlyArray<{ readonly planId: string; readonly planType: string; readonly active: number }>
  /** Monthly recurring revenue of subscriptions holding a slot, at their current prices. */
  readonly monthlyRecurringRevenue: number
}

export interface SubscriptionQueriesService {
  readonly search: (filter: SubscriptionSearch) => Effect.Effect<{ readonly items: ReadonlyArray<SubscriptionView>; readonly total: number }>
  readonly stats: Effect.Effect<SubscriptionStats>
  /** Every subscription's plan and instance status (the audit). */
  /** The owner's environment overrides of an instance (kept out of the event log). */
  readonly instanceEnv: (subscriptionId: string) => Effect.Effect<Readonly<Record<string, string>>>
  readonly setInstanceEnv: (subscriptionId: string, env: Readonly<Record<string, string>>, now: Date) => Effect.Effect<void>
  readonly allStates: Effect.Effect<ReadonlyArray<{ readonly id: string; readonly planId: string; readonly instanceStatus: string }>>
  readonly find: (id: string) => Effect.Effect<SubscriptionView | undefined>
  /** The provisioning worker's queue: instances provisioning, starting or restarting, oldest first. */
  readonly provisioning: (limit: number) => Effect.Effect<ReadonlyArray<SubscriptionView>>
  readonly listByUser: (userId: string, page: number, limit: number) => Effect.Effect<{ readonly items: ReadonlyArray<SubscriptionView>; readonly total: number }>
}

export class SubscriptionQueries extends Context.Tag("app/SubscriptionQueries")<SubscriptionQueries, SubscriptionQueriesService>() {}
