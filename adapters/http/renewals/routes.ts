import { Clock, Effect } from "effect"
import * as Renewals from "../../../application/renewals/useCases.ts"
import { SubscriptionQueries } from "../../../application/ports/subscriptionQueries.ts"
import { subscriptionView, subscriptionViews } from "../../../application/subscription/views.ts"
import { ok, route } from "../route.ts"
import { IdParams } from "../schemas.ts"
import { RenewalQueueQuery } from "./schemas.ts"
import { pageOf, RenewalCounts, RenewalQueue, RenewalRetry, Subscription } from "../responses.ts"

/** Issue 9: reactivation, the admin's renewal queues, run-now and retry. */
export const renewalRoutes = [
  route({
    method: "post",
    path: "/api/subscriptions/:id/reactivate",
    summary:
      "Reactivate a SUSPENDED subscription within its retention window: takes a quota slot, charges a new month from now, scales the instance back up",
    tag: "subscriptions",
    access: "user",
    params: IdParams,
    idempotent: true,
    response: Subscription,
    handle: ({ principal, params, requestId }) =>
      Effect.map(
        Effect.flatMap(
          Renewals.reactivateSubscription(principal.userId, params.id, {
            actor: principal.userId,
            correlationId: requestId
          }),
          subscriptionView
        ),
        (s) => ok("Subscription reactivated", s)
      )
  }),
  route({
    method: "get",
    path: "/api/admin/billing/renewals",
    summary: "Renewal queues: due (period over, not yet decided), grace, suspended",
    tag: "admin",
    access: "admin",
    query: RenewalQueueQuery,
    response: RenewalQueue,
    handle: ({ query }) =>
      Effect.gen(function* () {
        const now = new Date(yield* Clock.currentTimeMillis)
        const p = yield* (yield* SubscriptionQueries).renewalQueue(query.status, now, query.page, query.limit)
        return ok("Renewals", {
          status: query.status,
          ...pageOf(yield* subscriptionViews(p.items), p.total, query.page, query.limit)
        })
      })
  }),
  route({
    method: "post",
    path: "/api/admin/billing/renewals/run",
    summary: "Run the renewal job now (idempotent: what is done is not done again); returns counts",
    tag: "admin",
    access: "admin",
    response: RenewalCounts,
    handle: () => Effect.map(Renewals.processRenewals(), (counts) => ok("Renewals run", counts))
  }),
  route({
    method: "post",
    path: "/api/admin/subscriptions/:id/retry-renewal",
    summary: "Decide one subscription's renewal now (renew, grace, retry, suspend or expire)",
    tag: "admin",
    access: "admin",
    params: IdParams,
    response: RenewalRetry,
    handle: ({ principal, params }) =>
      Effect.gen(function* () {
        const retried = yield* Renewals.retryRenewal(principal.userId, params.id)
        return ok("Renewal retried", { ...retried, subscription: yield* subscriptionView(retried.subscription) })
      })
  })
]
