import { Context, type Effect } from "effect"

export interface SubscriptionView {
  readonly id: string
  readonly userId: string
  readonly serviceId: string
  readonly planId: string
  readonly planType: string
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
}

export interface SubscriptionQueriesService {
  readonly find: (id: string) => Effect.Effect<SubscriptionView | undefined>
  /** The provisioning worker's queue: instances provisioning, starting or restarting, oldest first. */
  readonly provisioning: (limit: number) => Effect.Effect<ReadonlyArray<SubscriptionView>>
  readonly listByUser: (userId: string, page: number, limit: number) => Effect.Effect<{ readonly items: ReadonlyArray<SubscriptionView>; readonly total: number }>
}

export class SubscriptionQueries extends Context.Tag("app/SubscriptionQueries")<SubscriptionQueries, SubscriptionQueriesService>() {}
