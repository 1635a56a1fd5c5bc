import { Context, type Effect } from "effect"
import type { PlanType, RenewalStatus } from "../../domain/subscription/index.ts"

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
  /** The next renewal date while auto-renew is on (in grace: the unpaid period's start, overdue). */
  readonly nextBillingDate: string | null
  /** ACTIVE, GRACE, SUSPENDED, EXPIRED or CANCELLED (FAILED counts as CANCELLED). */
  readonly renewalStatus: RenewalStatus
  readonly graceEndsAt: string | null
  /** The last renewal attempt that found too little credit (grace start, daily retries). */
  readonly renewalAttemptedAt: string | null
  readonly suspendedAt: string | null
  /** A suspended subscription can be reactivated until then; it expires after. */
  readonly retentionEndsAt: string | null
  readonly freeMonthsLeft: number
  readonly createdAt: string
  readonly updatedAt: string
  readonly cancelledAt: string | null
  readonly instanceError: string | null
  /** When the current provisioning began (creation or a retry): the timeout counts from here. */
  readonly provisioningStartedAt: string
  readonly displayName: string
  /** When the instance last came up (provisioned, started, restarted, reactivated). */
  readonly lastStartedAt: string | null
  /** When it last stopped serving (stopped, suspended, cancelled, expired). */
  readonly lastStoppedAt: string | null
  /** The earlier version's names of periodStart, periodEnd and nextBillingDate, kept for its clients. */
  readonly startDate: string
  readonly endDate: string
  readonly nextBilling: string | null
}

/** Adds the earlier version's field names to a view. */
export const withSeedNames = (
  view: Omit<SubscriptionView, "startDate" | "endDate" | "nextBilling">
): SubscriptionView => ({
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

/** What the renewal scheduler needs to lock a subscription's streams. */
export interface RenewalCandidate {
  readonly id: string
  readonly userId: string
  readonly planId: string
  readonly serviceId: string
  readonly instanceName: string
}

/** The admin's renewal queues: periods over (due), in grace, suspended. */
export type RenewalQueue = "due" | "grace" | "suspended"

export interface SubscriptionQueriesService {
  /**
   * Subscriptions the scheduler has something to decide about at `now`: periods over outside
   * grace, grace periods over or not retried for a day, suspensions past retention.
   */
  readonly renewalCandidates: (
    now: Date,
    limit: number,
    skip: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<RenewalCandidate>>
  /** A user's subscriptions whose period is over and unpaid (due or in grace): renewed when credit arrives. */
  readonly unpaidOf: (userId: string, now: Date) => Effect.Effect<ReadonlyArray<RenewalCandidate>>
  /** A user's auto-renewing subscriptions that hold a slot (the wallet's runway). */
  readonly autoRenewingOf: (userId: string) => Effect.Effect<ReadonlyArray<SubscriptionView>>
  readonly renewalQueue: (
    queue: RenewalQueue,
    now: Date,
    page: number,
    limit: number
  ) => Effect.Effect<{ readonly items: ReadonlyArray<SubscriptionView>; readonly total: number }>
  readonly search: (
    filter: SubscriptionSearch
  ) => Effect.Effect<{ readonly items: ReadonlyArray<SubscriptionView>; readonly total: number }>
  readonly stats: Effect.Effect<SubscriptionStats>
  /** Every subscription's plan and instance status (the audit). */
  /** The owner's environment overrides of an instance (kept out of the event log). */
  readonly instanceEnv: (subscriptionId: string) => Effect.Effect<Readonly<Record<string, string>>>
  readonly setInstanceEnv: (
    subscriptionId: string,
    env: Readonly<Record<string, string>>,
    now: Date
  ) => Effect.Effect<void>
  readonly allStates: Effect.Effect<
    ReadonlyArray<{ readonly id: string; readonly planId: string; readonly instanceStatus: string }>
  >
  readonly find: (id: string) => Effect.Effect<SubscriptionView | undefined>
  /** The provisioning worker's queue: instances provisioning, starting or restarting, oldest first. */
  readonly provisioning: (limit: number) => Effect.Effect<ReadonlyArray<SubscriptionView>>
  readonly listByUser: (
    userId: string,
    page: number,
    limit: number
  ) => Effect.Effect<{ readonly items: ReadonlyArray<SubscriptionView>; readonly total: number }>
}

export class SubscriptionQueries extends Context.Tag("app/SubscriptionQueries")<
  SubscriptionQueries,
  SubscriptionQueriesService
>() {}
