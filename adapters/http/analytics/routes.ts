import { Clock, Effect } from "effect"
import { Analytics, type Window } from "../../../application/ports/analytics.ts"
import { ok, route } from "../route.ts"
import { QuotaReport, RevenueReport, ServiceControlReport, SubscriptionsReport } from "../responses.ts"
import { AnalyticsQuery } from "./schemas.ts"

const windowOf = (query: { from?: string | undefined; to?: string | undefined; groupBy: "day" | "month" }) =>
  Effect.map(Clock.currentTimeMillis, (now): Window => ({
    from: query.from ? new Date(query.from) : new Date(now - 30 * 86_400_000),
    to: query.to ? new Date(query.to) : new Date(now + 1),
    groupBy: query.groupBy
  }))

export const analyticsRoutes = [
  route({
    method: "get",
    path: "/api/admin/analytics/revenue",
    summary: "Charges, refunds, net revenue, top-ups and coupon credit per period",
    tag: "admin",
    access: "admin",
    response: RevenueReport,
    query: AnalyticsQuery,
    handle: ({ query }) =>
      Effect.map(
        Effect.flatMap(windowOf(query), (w) => Effect.flatMap(Analytics, (a) => a.revenue(w))),
        (r) => ok("Revenue", r)
      )
  }),
  route({
    method: "get",
    path: "/api/admin/analytics/quota",
    summary: "Quota utilisation per plan",
    tag: "admin",
    access: "admin",
    response: QuotaReport,
    query: AnalyticsQuery,
    handle: () =>
      Effect.map(
        Effect.flatMap(Analytics, (a) => a.quota),
        (r) => ok("Quota", r)
      )
  }),
  route({
    method: "get",
    path: "/api/admin/analytics/subscriptions",
    summary: "New and ended subscriptions per period; current count per status",
    tag: "admin",
    access: "admin",
    response: SubscriptionsReport,
    query: AnalyticsQuery,
    handle: ({ query }) =>
      Effect.map(
        Effect.flatMap(windowOf(query), (w) => Effect.flatMap(Analytics, (a) => a.subscriptions(w))),
        (r) => ok("Subscriptions", r)
      )
  }),
  route({
    method: "get",
    path: "/api/admin/analytics/service-control",
    summary: "Instance stops, starts and restarts per period",
    tag: "admin",
    access: "admin",
    response: ServiceControlReport,
    query: AnalyticsQuery,
    handle: ({ query }) =>
      Effect.map(
        Effect.flatMap(windowOf(query), (w) => Effect.flatMap(Analytics, (a) => a.serviceControl(w))),
        (r) => ok("Service control", r)
      )
  })
]
