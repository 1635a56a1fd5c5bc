import { Effect, Layer } from "effect"
import { Analytics } from "../../application/ports/analytics.ts"
import { Pg } from "./client.ts"

export const AnalyticsPostgres = Layer.effect(
  Analytics,
  Effect.map(Pg, (sql) => {
    const bucket = (groupBy: "day" | "month", column: string) =>
      sql.unsafe(
        groupBy === "day"
          ? `to_char(date_trunc('day', ${column}), 'YYYY-MM-DD')`
          : `to_char(date_trunc('month', ${column}), 'YYYY-MM')`
      )
    return Analytics.of({
      revenue: (w) =>
        Effect.promise(async () => {
          const rows = await sql<
            Array<{ period: string; charged: number; refunded: number; topped_up: number; coupon: number }>
          >`
            select ${bucket(w.groupBy, "created_at")} as period,
              coalesce(sum(amount) filter (where type in ('SUBSCRIPTION', 'UPGRADE')), 0)::bigint as charged,
              coalesce(sum(amount) filter (where type = 'REFUND'), 0)::bigint as refunded,
              coalesce(sum(amount) filter (where type = 'TOP_UP'), 0)::bigint as topped_up,
              coalesce(sum(amount) filter (where type = 'COUPON_CREDIT'), 0)::bigint as coupon
            from ledger_entries where created_at >= ${w.from} and created_at < ${w.to}
            group by 1 order by 1`
          return rows.map((r) => ({
            period: r.period,
            charged: r.charged,
            refunded: r.refunded,
            net: r.charged - r.refunded,
            toppedUp: r.topped_up,
            couponCredit: r.coupon
          }))
        }),
      quota: Effect.promise(async () => {
        const rows = await sql<
          Array<{ id: string; name: string; service: string; total_quota: number; used_quota: number }>
        >`
          select p.id, p.name, s.name as service, p.total_quota, p.used_quota from plans p join services s on s.id = p.service_id
          order by s.sort_order, p.sort_order`
        return rows.map((r) => ({
          planId: r.id,
          planName: r.name,
          serviceName: r.service,
          totalQuota: r.total_quota,
          usedQuota: r.used_quota,
          utilisation: r.total_quota === 0 ? 0 : Math.round((r.used_quota / r.total_quota) * 1000) / 10
        }))
      }),
      subscriptions: (w) =>
        Effect.promise(async () => {
          const [created, ended, byStatus] = await Promise.all([
            sql<
              Array<{ period: string; n: number }>
            >`select ${bucket(w.groupBy, "created_at")} as period, count(*)::int as n
              from subscriptions where created_at >= ${w.from} and created_at < ${w.to} group by 1`,
            sql<
              Array<{ period: string; n: number }>
            >`select ${bucket(w.groupBy, "cancelled_at")} as period, count(*)::int as n
              from subscriptions where cancelled_at >= ${w.from} and cancelled_at < ${w.to} group by 1`,
            sql<
              Array<{ status: string; n: number }>
            >`select status, count(*)::int as n from subscriptions group by status`
          ])
          const periods = [...new Set([...created, ...ended].map((r) => r.period))].sort()
          return {
            periods: periods.map((period) => ({
              period,
              created: created.find((r) => r.period === period)?.n ?? 0,
              ended: ended.find((r) => r.period === period)?.n ?? 0
            })),
            byStatus: Object.fromEntries(byStatus.map((r) => [r.status, r.n]))
          }
        }),
      serviceControl: (w) =>
        Effect.promise(async () => {
          const rows = await sql<Array<{ period: string; stops: number; starts: number; restarts: number }>>`
            select ${bucket(w.groupBy, "recorded_at")} as period,
              count(*) filter (where data->>'to' = 'STOPPING')::int as stops,
              count(*) filter (where data->>'to' = 'STARTING')::int as starts,
              count(*) filter (where data->>'to' = 'RESTARTING')::int as restarts
            from events where type = 'InstanceTransitioned' and recorded_at >= ${w.from} and recorded_at < ${w.to}
            group by 1 order by 1`
          return rows
        })
    })
  })
)
