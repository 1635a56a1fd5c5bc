import { Effect } from "effect"
import * as Admin from "../../../application/subscription/admin.ts"
import { SubscriptionQueries } from "../../../application/ports/subscriptionQueries.ts"
import { WalletQueries } from "../../../application/ports/walletQueries.ts"
import { subscriptionView, subscriptionViews } from "../../../application/subscription/views.ts"
import { ok, route } from "../route.ts"
import { AdminLedgerEntry, AdminRefund, pageOf, Paginated, Subscription, SubscriptionStats } from "../responses.ts"
import { AdminTransactionsQuery } from "../ledger/schemas.ts"
import { IdParams, ReasonBody } from "../schemas.ts"
import {
  AdminRefundBody,
  AdminSubscriptionsQuery,
  AdminUpgradeBody,
  BonusSubscriptionBody,
  ExtendBody,
  ForceCancelBody
} from "./schemas.ts"

export const adminSubscriptionRoutes = [
  route({
    method: "get",
    path: "/api/admin/subscriptions/stats",
    summary: "Subscriptions by status and plan, monthly recurring revenue",
    tag: "admin",
    access: "admin",
    response: SubscriptionStats,
    handle: () =>
      Effect.map(
        Effect.flatMap(SubscriptionQueries, (q) => q.stats),
        (s) => ok("Subscription stats", s)
      )
  }),
  route({
    method: "get",
    path: "/api/admin/subscriptions",
    summary: "All subscriptions: filter by status, user, service, plan; search instance name or email",
    tag: "admin",
    access: "admin",
    response: Paginated(Subscription),
    query: AdminSubscriptionsQuery,
    handle: ({ query }) =>
      Effect.gen(function* () {
        const p = yield* (yield* SubscriptionQueries).search(query)
        return ok("Subscriptions", pageOf(yield* subscriptionViews(p.items), p.total, query.page, query.limit))
      })
  }),
  route({
    method: "post",
    path: "/api/admin/subscriptions",
    summary: "Bonus subscription for a user (no credit needed; 0-rupiah first period recorded)",
    tag: "admin",
    access: "admin",
    response: Subscription,
    body: BonusSubscriptionBody,
    idempotent: true,
    handle: ({ principal, body }) =>
      Effect.map(Effect.flatMap(Admin.bonusSubscription(principal.userId, body), subscriptionView), (s) =>
        ok("Bonus subscription created", s, 201)
      )
  }),
  route({
    method: "delete",
    path: "/api/admin/subscriptions/:id/force-cancel",
    summary: "Cancel any subscription; refund none, prorated or full",
    tag: "admin",
    access: "admin",
    response: Subscription,
    params: IdParams,
    body: ForceCancelBody,
    handle: ({ principal, params, body }) =>
      Effect.map(
        Effect.flatMap(Admin.forceCancel(principal.userId, params.id, body.refund, body.reason), subscriptionView),
        (s) => ok("Subscription cancelled", s)
      )
  }),
  route({
    method: "post",
    path: "/api/admin/subscriptions/:id/refund",
    summary: "Refund part of the current period, bounded by what was charged",
    tag: "admin",
    access: "admin",
    response: AdminRefund,
    params: IdParams,
    body: AdminRefundBody,
    idempotent: true,
    handle: ({ principal, params, body }) =>
      Effect.map(Admin.adminRefund(principal.userId, params.id, body.amount, body.reason), (r) =>
        ok("Refunded", r, 201)
      )
  }),
  route({
    method: "put",
    path: "/api/admin/subscriptions/:id/extend",
    summary: "Move the period end by some days",
    tag: "admin",
    access: "admin",
    response: Subscription,
    params: IdParams,
    body: ExtendBody,
    handle: ({ principal, params, body }) =>
      Effect.map(
        Effect.flatMap(Admin.extendSubscription(principal.userId, params.id, body.days, body.reason), subscriptionView),
        (s) => ok("Subscription extended", s)
      )
  }),
  route({
    method: "put",
    path: "/api/admin/subscriptions/:id/upgrade",
    summary: "Upgrade any subscription; bonus: no charge",
    tag: "admin",
    access: "admin",
    response: Subscription,
    params: IdParams,
    body: AdminUpgradeBody,
    idempotent: true,
    handle: ({ principal, params, body }) =>
      Effect.map(
        Effect.flatMap(
          Admin.adminUpgrade(principal.userId, params.id, body.newPlanId, body.bonus, body.reason),
          subscriptionView
        ),
        (s) => ok("Subscription upgraded", s)
      )
  }),
  route({
    method: "put",
    path: "/api/admin/subscriptions/:id/expire",
    summary: "End a subscription now without refund",
    tag: "admin",
    access: "admin",
    response: Subscription,
    params: IdParams,
    body: ReasonBody,
    handle: ({ principal, params, body }) =>
      Effect.map(
        Effect.flatMap(Admin.expireSubscription(principal.userId, params.id, body.reason), subscriptionView),
        (s) => ok("Subscription expired", s)
      )
  }),
  route({
    method: "get",
    path: "/api/admin/transactions",
    summary: "Every user's ledger entries, newest first",
    tag: "admin",
    access: "admin",
    response: Paginated(AdminLedgerEntry),
    query: AdminTransactionsQuery,
    handle: ({ query }) =>
      Effect.map(
        Effect.flatMap(WalletQueries, (q) => q.allTransactions(query)),
        (p) => ok("Transactions", pageOf(p.items, p.total, query.page, query.limit))
      )
  })
]
