import { Effect, Layer, Schema } from "effect"
import type postgres from "postgres"
import type { RecordedEvent } from "../../application/ports/eventStore.ts"
import {
  SubscriptionQueries,
  type SubscriptionView,
  withSeedNames
} from "../../application/ports/subscriptionQueries.ts"
import { SubscriptionEvent } from "../../domain/subscription/index.ts"
import { Pg, type Tx } from "./client.ts"
import { eventTypesOf, projection } from "./projection.ts"
import { containsPattern } from "./like.ts"

const decode = Schema.decodeUnknownSync(SubscriptionEvent)
const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Inline projection into `subscriptions`; each statement touches exactly the rows it names or
 * raises. One statement per event, except renewals of a group-committed batch (the renewal job's
 * many): one statement for all of them when no subscription has two events in the append (rows
 * must change in event order).
 */
export const subscriptionProjection = projection("subscriptions", eventTypesOf(SubscriptionEvent), (tx, events) => {
  const renewed = events.filter((e) => e.type === "SubscriptionRenewed")
  if (renewed.length <= 1 || new Set(events.map((e) => e.streamId)).size < events.length)
    return events.map((e) => projectOne(tx, e))
  return [
    renewAll(tx, renewed),
    ...events.filter((e) => e.type !== "SubscriptionRenewed").map((e) => projectOne(tx, e))
  ]
})

/** SubscriptionRenewed on distinct subscriptions, as `projectOne` applies it to each. */
const renewAll = (tx: Tx, events: ReadonlyArray<RecordedEvent>) => {
  const rows = events.map((recorded) => {
    const event = decode(recorded.data) as Extract<SubscriptionEvent, { _tag: "SubscriptionRenewed" }>
    return {
      id: recorded.streamId.slice("subscription-".length),
      period_start: event.periodStart,
      period_end: event.periodEnd,
      free: event.freeMonth ? 1 : 0,
      at: recorded.recordedAt
    }
  })
  return tx`
    with r as (
      select * from jsonb_to_recordset(${tx.json(rows as never)}) as r(id uuid, period_start timestamptz, period_end timestamptz, free integer, at timestamptz)
    ),
    u as (
      update subscriptions s set period_start = r.period_start, period_end = r.period_end, renewal_status = 'ACTIVE',
        grace_ends_at = null, renewal_attempted_at = null, free_months_left = greatest(0, s.free_months_left - r.free), updated_at = r.at
      from r where s.id = r.id
      returning 1
    )
    select expect_rows((select count(*) from u), ${rows.length}, 'subscriptions')`
}

const projectOne = (tx: Tx, recorded: RecordedEvent) => {
  const event = decode(recorded.data)
  const id = recorded.streamId.slice("subscription-".length)
  const at = new Date(recorded.recordedAt)
  const update = (change: postgres.PendingQuery<postgres.Row[]>) =>
    tx`with u as (update subscriptions set ${change}, updated_at = ${at} where id = ${id} returning 1)
       select expect_one_row((select count(*) from u), 'subscriptions')`
  switch (event._tag) {
    case "SubscriptionCreated":
      // The instance is provisioned asynchronously (PENDING_DEPLOYMENT / PROVISIONING until then).
      return tx`insert into subscriptions (id, user_id, service_id, plan_id, plan_type, monthly_price, status, instance_name,
          instance_status, auto_renew, period_start, period_end, created_at, updated_at, provisioning_started_at, position)
        values (${id}, ${event.userId}, ${event.serviceId}, ${event.plan.planId}, ${event.plan.planType}, ${event.plan.monthlyPrice},
          'PENDING_DEPLOYMENT', ${event.instanceName}, 'PROVISIONING', ${event.autoRenew}, ${new Date(event.periodStart)},
          ${new Date(event.periodEnd)}, ${at}, ${at}, ${at}, (select position from events where event_id = ${recorded.eventId}))`
    case "SubscriptionUpgraded":
      return update(
        tx`plan_id = ${event.to.planId}, plan_type = ${event.to.planType}, monthly_price = ${event.to.monthlyPrice}`
      )
    case "AutoRenewChanged":
      return update(tx`auto_renew = ${event.enabled}`)
    case "SubscriptionCancelled":
      return update(tx`status = 'CANCELLED', instance_status = 'TERMINATED', auto_renew = false, cancelled_at = ${new Date(event.at)},
        renewal_status = 'CANCELLED', grace_ends_at = null, renewal_attempted_at = null, last_stopped_at = ${at}`)
    case "InstanceReconfigured":
      return update(tx`display_name = coalesce(${event.displayName}, display_name)`)
    case "ProvisioningRetried":
      return update(tx`status = 'PENDING_DEPLOYMENT', instance_status = 'PROVISIONING', instance_error = null, cancelled_at = null,
        auto_renew = true, period_start = ${new Date(event.periodStart)}, period_end = ${new Date(event.periodEnd)}, provisioning_started_at = ${at},
        renewal_status = 'ACTIVE', grace_ends_at = null, renewal_attempted_at = null, suspended_at = null, retention_ends_at = null`)
    case "SubscriptionExtended":
      return update(tx`period_end = ${new Date(event.periodEnd)}, renewal_status = case when status = 'SUSPENDED' then renewal_status else 'ACTIVE' end,
        grace_ends_at = null, renewal_attempted_at = null`)
    case "SubscriptionExpired":
      return update(tx`status = 'EXPIRED', instance_status = 'TERMINATED', auto_renew = false, cancelled_at = ${new Date(event.at)},
        renewal_status = 'EXPIRED', grace_ends_at = null, renewal_attempted_at = null, last_stopped_at = ${at}`)
    case "FreeMonthsGranted":
      return update(tx`free_months_left = ${event.months}`)
    case "SubscriptionRenewed":
      return update(tx`period_start = ${new Date(event.periodStart)}, period_end = ${new Date(event.periodEnd)}, renewal_status = 'ACTIVE',
        grace_ends_at = null, renewal_attempted_at = null, free_months_left = greatest(0, free_months_left - ${event.freeMonth ? 1 : 0})`)
    case "GracePeriodStarted":
      return update(
        tx`renewal_status = 'GRACE', grace_ends_at = ${new Date(event.graceEndsAt)}, renewal_attempted_at = ${new Date(event.at)}`
      )
    case "RenewalRetryFailed":
      return update(tx`renewal_attempted_at = ${new Date(event.at)}`)
    case "SubscriptionSuspended":
      return update(tx`status = 'SUSPENDED', instance_status = 'SUSPENDED', renewal_status = 'SUSPENDED', grace_ends_at = null,
        renewal_attempted_at = null, suspended_at = ${new Date(event.at)}, retention_ends_at = ${new Date(event.retentionEndsAt)},
        last_stopped_at = ${at}`)
    case "SubscriptionReactivated":
      // Scaled back to 1: the provisioning worker sees STARTING and marks it running when ready.
      return update(tx`status = 'ACTIVE', instance_status = 'STARTING', renewal_status = 'ACTIVE', suspended_at = null, retention_ends_at = null,
        period_start = ${new Date(event.periodStart)}, period_end = ${new Date(event.periodEnd)}`)
    case "InstanceRunning":
      return update(tx`status = 'ACTIVE', instance_status = 'RUNNING', instance_error = null, last_started_at = ${at}`)
    case "InstanceProvisioningFailed":
      return update(
        tx`status = 'FAILED', instance_status = 'ERROR', auto_renew = false, instance_error = ${event.reason}, renewal_status = 'CANCELLED'`
      )
    case "InstanceTransitioned":
      return update(
        event.to === "STOPPED"
          ? tx`instance_status = ${event.to}, last_stopped_at = ${at}`
          : tx`instance_status = ${event.to}`
      )
  }
}

const toView = (r: Record<string, any>): SubscriptionView =>
  withSeedNames({
    id: r["id"],
    userId: r["user_id"],
    serviceId: r["service_id"],
    planId: r["plan_id"],
    planType: r["plan_type"],
    monthlyPrice: r["monthly_price"],
    status: r["status"],
    instanceName: r["instance_name"],
    instanceStatus: r["instance_status"],
    autoRenew: r["auto_renew"],
    periodStart: r["period_start"].toISOString(),
    periodEnd: r["period_end"].toISOString(),
    nextBillingDate:
      r["auto_renew"] && ["PENDING_DEPLOYMENT", "ACTIVE"].includes(r["status"]) ? r["period_end"].toISOString() : null,
    renewalStatus: r["renewal_status"],
    graceEndsAt: r["grace_ends_at"] ? r["grace_ends_at"].toISOString() : null,
    renewalAttemptedAt: r["renewal_attempted_at"] ? r["renewal_attempted_at"].toISOString() : null,
    suspendedAt: r["suspended_at"] ? r["suspended_at"].toISOString() : null,
    retentionEndsAt: r["retention_ends_at"] ? r["retention_ends_at"].toISOString() : null,
    freeMonthsLeft: r["free_months_left"],
    createdAt: r["created_at"].toISOString(),
    updatedAt: r["updated_at"].toISOString(),
    cancelledAt: r["cancelled_at"] ? r["cancelled_at"].toISOString() : null,
    instanceError: r["instance_error"] ?? null,
    provisioningStartedAt: r["provisioning_started_at"].toISOString(),
    displayName: r["display_name"] ?? r["instance_name"],
    lastStartedAt: r["last_started_at"] ? r["last_started_at"].toISOString() : null,
    lastStoppedAt: r["last_stopped_at"] ? r["last_stopped_at"].toISOString() : null
  })

const candidateOf = (r: {
  id: string
  user_id: string
  plan_id: string
  service_id: string
  instance_name: string
}) => ({ id: r.id, userId: r.user_id, planId: r.plan_id, serviceId: r.service_id, instanceName: r.instance_name })

export const SubscriptionQueriesPostgres = Layer.effect(
  SubscriptionQueries,
  Effect.map(Pg, (sql) =>
    SubscriptionQueries.of({
      renewalCandidates: (now, limit, skip) =>
        Effect.promise(async () => {
          const dayAgo = new Date(now.getTime() - 86_400_000)
          const rows = await sql<
            Array<{ id: string; user_id: string; plan_id: string; service_id: string; instance_name: string }>
          >`
            select id, user_id, plan_id, service_id, instance_name from (
              (select * from subscriptions where status in ('PENDING_DEPLOYMENT', 'ACTIVE') and grace_ends_at is null and period_end <= ${now}
                order by period_end limit ${limit + skip.length})
              union all
              (select * from subscriptions where grace_ends_at is not null and (grace_ends_at <= ${now} or renewal_attempted_at <= ${dayAgo})
                order by grace_ends_at limit ${limit + skip.length})
              union all
              (select * from subscriptions where status = 'SUSPENDED' and retention_ends_at <= ${now}
                order by retention_ends_at limit ${limit + skip.length})
            ) due where id <> all(${skip}::uuid[]) limit ${limit}`
          return rows.map(candidateOf)
        }),
      unpaidOf: (userId, now) =>
        Effect.promise(async () =>
          (
            await sql<
              Array<{ id: string; user_id: string; plan_id: string; service_id: string; instance_name: string }>
            >`
            select id, user_id, plan_id, service_id, instance_name from subscriptions
            where user_id = ${userId} and status in ('PENDING_DEPLOYMENT', 'ACTIVE') and auto_renew and period_end <= ${now}
            order by period_end`
          ).map(candidateOf)
        ),
      autoRenewingOf: (userId) =>
        Effect.promise(async () =>
          (
            await sql`select * from subscriptions where user_id = ${userId} and status in ('PENDING_DEPLOYMENT', 'ACTIVE') and auto_renew
            order by period_end`
          ).map(toView)
        ),
      renewalQueue: (queue, now, page, limit) =>
        Effect.promise(async () => {
          const where =
            queue === "due"
              ? sql`status in ('PENDING_DEPLOYMENT', 'ACTIVE') and grace_ends_at is null and period_end <= ${now}`
              : queue === "grace"
                ? sql`grace_ends_at is not null`
                : sql`status = 'SUSPENDED'`
          const order =
            queue === "due" ? sql`period_end` : queue === "grace" ? sql`grace_ends_at` : sql`retention_ends_at`
          const [rows, [count]] = await Promise.all([
            sql`select * from subscriptions where ${where} order by ${order}, id limit ${limit} offset ${(page - 1) * limit}`,
            sql<Array<{ n: number }>>`select count(*)::int as n from subscriptions where ${where}`
          ])
          return { items: rows.map(toView), total: count?.n ?? 0 }
        }),
      find: (id) =>
        Effect.promise(async () => {
          if (!uuidShape.test(id)) return undefined
          const [row] = await sql`select * from subscriptions where id = ${id}`
          return row && toView(row)
        }),
      search: (f) =>
        Effect.promise(async () => {
          const where = sql`true
            ${f.status === undefined ? sql`` : sql`and s.status = ${f.status}`}
            ${f.userId === undefined ? sql`` : sql`and s.user_id = ${f.userId}`}
            ${f.serviceId === undefined ? sql`` : sql`and s.service_id = ${f.serviceId}`}
            ${f.planId === undefined ? sql`` : sql`and s.plan_id = ${f.planId}`}
            ${f.q === undefined ? sql`` : sql`and (s.instance_name ilike ${containsPattern(f.q)} or u.email ilike ${containsPattern(f.q)})`}`
          const [rows, [count]] = await Promise.all([
            sql`select s.* from subscriptions s left join users u on u.id::text = s.user_id where ${where}
              order by s.position desc limit ${f.limit} offset ${(f.page - 1) * f.limit}`,
            sql<
              Array<{ n: number }>
            >`select count(*)::int as n from subscriptions s left join users u on u.id::text = s.user_id where ${where}`
          ])
          return { items: rows.map(toView), total: count?.n ?? 0 }
        }),
      instanceEnv: (id) =>
        Effect.promise(async () => {
          const [row] = await sql<
            Array<{ env: Record<string, string> }>
          >`select env from instance_env where subscription_id = ${id}`
          return row?.env ?? {}
        }),
      setInstanceEnv: (id, env, now) =>
        Effect.promise(
          () =>
            sql`insert into instance_env (subscription_id, env, updated_at) values (${id}, ${sql.json(env as never)}, ${now})
            on conflict (subscription_id) do update set env = excluded.env, updated_at = excluded.updated_at`
        ).pipe(Effect.asVoid),
      allStates: Effect.promise(async () =>
        (
          await sql<
            Array<{ id: string; plan_id: string; instance_status: string }>
          >`select id, plan_id, instance_status from subscriptions`
        ).map((r) => ({ id: r.id, planId: r.plan_id, instanceStatus: r.instance_status }))
      ),
      stats: Effect.promise(async () => {
        const byStatus = await sql<
          Array<{ status: string; n: number }>
        >`select status, count(*)::int as n from subscriptions group by status`
        const byPlan = await sql<Array<{ plan_id: string; plan_type: string; n: number }>>`
          select plan_id, plan_type, count(*)::int as n from subscriptions where status in ('PENDING_DEPLOYMENT', 'ACTIVE') group by plan_id, plan_type`
        const [mrr] = await sql<Array<{ total: number }>>`
          select coalesce(sum(monthly_price), 0)::bigint as total from subscriptions where status in ('PENDING_DEPLOYMENT', 'ACTIVE')`
        return {
          total: byStatus.reduce((sum, r) => sum + r.n, 0),
          byStatus: Object.fromEntries(byStatus.map((r) => [r.status, r.n])),
          byPlan: byPlan.map((r) => ({ planId: r.plan_id, planType: r.plan_type, active: r.n })),
          monthlyRecurringRevenue: mrr?.total ?? 0
        }
      }),
      provisioning: (limit) =>
        Effect.promise(async () => {
          const rows =
            await sql`select * from subscriptions where instance_status in ('PROVISIONING', 'STARTING', 'RESTARTING') order by created_at limit ${limit}`
          return rows.map(toView)
        }),
      listByUser: (userId, page, limit) =>
        Effect.promise(async () => {
          const [rows, [count]] = await Promise.all([
            sql`select * from subscriptions where user_id = ${userId} order by position desc limit ${limit} offset ${(page - 1) * limit}`,
            sql<Array<{ n: number }>>`select count(*)::int as n from subscriptions where user_id = ${userId}`
          ])
          return { items: rows.map(toView), total: count?.n ?? 0 }
        })
    })
  )
)
