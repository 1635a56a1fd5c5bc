import { Effect } from "effect"
import * as Subscriptions from "../../../application/subscription/useCases.ts"
import { SubscriptionQueries } from "../../../application/ports/subscriptionQueries.ts"
import { WalletQueries } from "../../../application/ports/walletQueries.ts"
import { subscriptionView, subscriptionViews } from "../../../application/subscription/views.ts"
import { detailsOf, errorTable } from "../errors.ts"
import { ok, route } from "../route.ts"
import { pageOf, Paginated, Subscription, SubscriptionDetail, SubscriptionValidation } from "../responses.ts"
import { IdParams, PageListQuery } from "../schemas.ts"
import { AutoRenewBody, SubscribeBody, UpgradeBody } from "./schemas.ts"

export const subscriptionRoutes = [
  route({
    method: "post",
    path: "/api/subscriptions/validate",
    summary: "What subscribing would do (price, balance after, quota, errors), without doing it",
    tag: "subscriptions",
    access: "user",
    response: SubscriptionValidation,
    body: SubscribeBody,
    handle: ({ principal, body }) =>
      Effect.map(
        Subscriptions.validateSubscription({
          userId: principal.userId,
          planId: body.planId,
          couponCode: body.couponCode,
          instanceName: body.instanceName,
          autoRenew: body.autoRenew
        }),
        // The would-be errors speak the API's codes (the one table), never internal tags.
        (r) =>
          ok("Validation", {
            ...r,
            errors: r.errors.map((e) => ({
              code: errorTable[e.code].code,
              details: detailsOf(e.details as { _tag: string }) ?? null
            }))
          })
      )
  }),
  route({
    method: "post",
    path: "/api/subscriptions",
    summary: "Subscribe: charge the first month, take a quota slot, create the subscription and its instance",
    tag: "subscriptions",
    access: "user",
    response: Subscription,
    body: SubscribeBody,
    idempotent: true,
    handle: ({ principal, body, requestId }) =>
      Effect.map(
        Effect.flatMap(
          Subscriptions.subscribe(
            {
              userId: principal.userId,
              planId: body.planId,
              couponCode: body.couponCode,
              instanceName: body.instanceName,
              autoRenew: body.autoRenew
            },
            { actor: principal.userId, correlationId: requestId }
          ),
          subscriptionView
        ),
        (s) => ok("Subscription created", s, 201)
      )
  }),
  route({
    method: "get",
    path: "/api/subscriptions",
    summary: "The caller's subscriptions",
    tag: "subscriptions",
    access: "user",
    response: Paginated(Subscription),
    query: PageListQuery,
    handle: ({ principal, query }) =>
      Effect.gen(function* () {
        const p = yield* (yield* SubscriptionQueries).listByUser(principal.userId, query.page, query.limit)
        return ok("Subscriptions", pageOf(yield* subscriptionViews(p.items), p.total, query.page, query.limit))
      })
  }),
  route({
    method: "get",
    path: "/api/subscriptions/:id",
    summary: "One of the caller's subscriptions with its transactions",
    tag: "subscriptions",
    access: "user",
    response: SubscriptionDetail,
    params: IdParams,
    handle: ({ principal, params }) =>
      Effect.gen(function* () {
        const subscription = yield* Subscriptions.ownSubscription(principal.userId, params.id)
        const transactions = yield* (yield* WalletQueries).subscriptionTransactions(principal.userId, params.id)
        return ok("Subscription", { ...(yield* subscriptionView(subscription)), transactions })
      })
  }),
  route({
    method: "put",
    path: "/api/subscriptions/:id/upgrade",
    summary: "Upgrade to a higher tier of the same service; prorated charge",
    tag: "subscriptions",
    access: "user",
    response: Subscription,
    params: IdParams,
    body: UpgradeBody,
    idempotent: true,
    handle: ({ principal, params, body, requestId }) =>
      Effect.map(
        Effect.flatMap(
          Subscriptions.upgradeSubscription(
            principal.userId,
            params.id,
            body.newPlanId,
            { bonus: false },
            { actor: principal.userId, correlationId: requestId }
          ),
          subscriptionView
        ),
        (s) => ok("Subscription upgraded", s)
      )
  }),
  route({
    method: "put",
    path: "/api/subscriptions/:id/auto-renew",
    summary: "Turn renewal on or off",
    tag: "subscriptions",
    access: "user",
    response: Subscription,
    params: IdParams,
    body: AutoRenewBody,
    handle: ({ principal, params, body, requestId }) =>
      Effect.map(
        Effect.flatMap(
          Subscriptions.setAutoRenew(principal.userId, params.id, body.enabled, {
            actor: principal.userId,
            correlationId: requestId
          }),
          subscriptionView
        ),
        (s) => ok("Auto-renew updated", s)
      )
  }),
  route({
    method: "delete",
    path: "/api/subscriptions/:id",
    summary: "Cancel now; the unused part of the period is refunded",
    tag: "subscriptions",
    access: "user",
    response: Subscription,
    params: IdParams,
    handle: ({ principal, params, requestId }) =>
      Effect.map(
        Effect.flatMap(
          Subscriptions.cancelSubscription(
            principal.userId,
            params.id,
            { by: principal.userId, reason: "cancelled by the user", refund: "prorated" },
            { actor: principal.userId, correlationId: requestId }
          ),
          subscriptionView
        ),
        (s) => ok("Subscription cancelled", s)
      )
  })
]
