import { Clock, Effect } from "effect"
import { type Period, periodTotals, walletStatement } from "../../../application/audit/statements.ts"
import { FieldInvalid } from "../../../application/shared/errors.ts"
import { ok, route } from "../route.ts"
import { PeriodTotals, Statement } from "../responses.ts"
import { AdminStatementQuery, StatementQuery } from "./schemas.ts"

/** `from` inclusive, `to` exclusive; by default the last 30 days up to now (as the analytics). */
const periodOf = (query: { readonly from?: string | undefined; readonly to?: string | undefined }) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const period: Period = {
      from: query.from ? new Date(query.from) : new Date(now - 30 * 86_400_000),
      to: query.to ? new Date(query.to) : new Date(now + 1)
    }
    return period.from < period.to
      ? Effect.succeed(period)
      : Effect.fail(new FieldInvalid({ field: "to", problem: "must be after from" }))
  })

export const statementRoutes = [
  route({
    method: "get",
    path: "/api/wallet/statement",
    summary:
      "Your statement for a period: opening balance, every movement with its event position and hash, closing balance",
    tag: "wallet",
    access: "user",
    response: Statement,
    query: StatementQuery,
    handle: ({ principal, query }) =>
      Effect.map(
        Effect.flatMap(periodOf(query), (period) => walletStatement(principal.userId, period)),
        (s) => ok("Statement", s)
      )
  }),
  route({
    method: "get",
    path: "/api/admin/audit/statement",
    summary: "A user's statement for a period, from the ledger's events in one snapshot",
    tag: "admin",
    access: "admin",
    response: Statement,
    query: AdminStatementQuery,
    handle: ({ query }) =>
      Effect.map(
        Effect.flatMap(periodOf(query), (period) => walletStatement(query.userId, period)),
        (s) => ok("Statement", s)
      )
  }),
  route({
    method: "get",
    path: "/api/admin/audit/totals",
    summary:
      "A period's top-ups, reversals, charges, refunds, coupon credits and adjustments, from the ledger's events in one snapshot",
    tag: "admin",
    access: "admin",
    response: PeriodTotals,
    query: StatementQuery,
    handle: ({ query }) => Effect.map(Effect.flatMap(periodOf(query), periodTotals), (t) => ok("Totals", t))
  })
]
