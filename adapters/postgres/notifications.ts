import { Effect, Layer } from "effect"
import type { RecordedEvent } from "../../application/ports/eventStore.ts"
import {
  type ClaimedEmail,
  type EmailStatus,
  Notifications,
  type StoredNotification
} from "../../application/ports/notifications.ts"
import { isWalletStream, userIdOfWalletStream } from "../../domain/ledger/index.ts"
import type { Locale, NotificationKind } from "../../domain/notification/index.ts"
import { isSubscriptionStream, SubscriptionEvent } from "../../domain/subscription/index.ts"
import { Pg, type Tx } from "./client.ts"
import { eventTypesOf, projection } from "./projection.ts"

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * What a subscription event tells its owner: the kind and the event's own facts. The names
 * (service, instance) come from the read models in the same statement. Event types are matched
 * by name and read loosely, so this table is the only place that maps causes to notifications.
 */
const subscriptionNotice = (
  type: string,
  data: Record<string, unknown>
): { kind: NotificationKind; facts: Record<string, unknown> } | undefined => {
  switch (type) {
    case "SubscriptionCreated":
      return { kind: "subscription_created", facts: { charged: data["charged"], periodEnd: data["periodEnd"] } }
    case "SubscriptionRenewed":
      return { kind: "renewal_succeeded", facts: { charged: data["charged"], periodEnd: data["periodEnd"] } }
    case "GracePeriodStarted":
      return { kind: "grace_started", facts: { amountDue: data["amountDue"], graceEndsAt: data["graceEndsAt"] } }
    case "SubscriptionSuspended":
      return { kind: "suspended", facts: { retentionEndsAt: data["retentionEndsAt"] ?? null } }
    case "SubscriptionExpired":
      return { kind: "expired", facts: {} }
    case "InstanceProvisioningFailed":
      return { kind: "provisioning_failed", facts: { refunded: data["refunded"] } }
    case "InstanceRunning":
      return { kind: "service_ready", facts: {} }
    default:
      return undefined
  }
}

/**
 * The transactional outbox: runs in the appending transaction after the other projections (it
 * reads the subscription row they just wrote), so a notification exists if and only if its cause
 * committed. The dedupe key is the cause (the event id), except for "service ready", which is
 * once per provisioning (a start or restart also ends in InstanceRunning). Never raises for a
 * missing row: a notification must not be able to block money or state changes.
 */
export const notificationProjection = projection(
  "notifications",
  ["TopUpCredited", ...eventTypesOf(SubscriptionEvent)],
  (tx, events) => {
    const notices = events.flatMap((recorded) => {
      const notice = isSubscriptionStream(recorded.streamId)
        ? subscriptionNotice(recorded.type, recorded.data as Record<string, unknown>)
        : undefined
      return notice === undefined ? [] : [{ recorded, notice }]
    })
    // Several subscription notices (a group-committed batch): one statement for all of them.
    return notices.length <= 1
      ? events.flatMap((recorded) => noticeOne(tx, recorded))
      : [
          ...events.filter((e) => isWalletStream(e.streamId)).flatMap((recorded) => noticeOne(tx, recorded)),
          noticeAll(tx, notices)
        ]
  }
)

/** `noticeOne` for several subscription notices at once, in event order. */
const noticeAll = (
  tx: Tx,
  notices: ReadonlyArray<{
    readonly recorded: RecordedEvent
    readonly notice: { kind: NotificationKind; facts: Record<string, unknown> }
  }>
) => {
  const rows = notices.map(({ recorded, notice }, n) => ({
    n,
    id: recorded.streamId.slice("subscription-".length),
    kind: notice.kind,
    dedupe_key: `${notice.kind}:${recorded.eventId}`,
    facts: notice.facts,
    at: recorded.recordedAt
  }))
  return tx`insert into notifications (user_id, kind, dedupe_key, params, created_at, email_next_attempt_at)
    select s.user_id, x.kind,
      case when x.kind = 'service_ready'
        then 'service_ready:' || s.id || ':' || (extract(epoch from s.provisioning_started_at) * 1000)::bigint
        else x.dedupe_key end,
      jsonb_build_object('_tag', x.kind, 'serviceName', coalesce(sv.name, ''), 'instanceName', coalesce(s.display_name, s.instance_name))
        || case when x.kind = 'subscription_created' then jsonb_build_object('planName', coalesce(p.name, s.plan_type)) else '{}'::jsonb end
        || case when x.kind = 'service_ready' then jsonb_build_object('subscriptionId', s.id::text) else '{}'::jsonb end
        || x.facts,
      x.at, x.at
    from jsonb_to_recordset(${tx.json(rows as never)}) as x(n integer, id uuid, kind text, dedupe_key text, facts jsonb, at timestamptz)
    join subscriptions s on s.id = x.id
    left join services sv on sv.id = s.service_id
    left join plans p on p.id = s.plan_id
    order by x.n
    on conflict (dedupe_key) do nothing`
}

const noticeOne = (tx: Tx, recorded: RecordedEvent): ReadonlyArray<Promise<unknown>> => {
  const at = new Date(recorded.recordedAt)
  const data = recorded.data as Record<string, unknown>
  if (isWalletStream(recorded.streamId)) {
    if (recorded.type !== "TopUpCredited") return []
    const params = { _tag: "topup_settled", amount: data["amount"], transactionId: data["transactionId"] }
    return [
      tx`insert into notifications (user_id, kind, dedupe_key, params, created_at, email_next_attempt_at)
      values (${userIdOfWalletStream(recorded.streamId)}, 'topup_settled', ${`topup_settled:${recorded.eventId}`},
        ${tx.json(params as never)}, ${at}, ${at})
      on conflict (dedupe_key) do nothing`
    ]
  }
  if (!isSubscriptionStream(recorded.streamId)) return []
  const notice = subscriptionNotice(recorded.type, data)
  if (notice === undefined) return []
  const id = recorded.streamId.slice("subscription-".length)
  const planName = notice.kind === "subscription_created" ? tx`, 'planName', coalesce(p.name, s.plan_type)` : tx``
  const subscriptionId = notice.kind === "service_ready" ? tx`, 'subscriptionId', s.id::text` : tx``
  const dedupeKey =
    notice.kind === "service_ready"
      ? tx`'service_ready:' || s.id || ':' || (extract(epoch from s.provisioning_started_at) * 1000)::bigint`
      : tx`${`${notice.kind}:${recorded.eventId}`}::text`
  return [
    tx`insert into notifications (user_id, kind, dedupe_key, params, created_at, email_next_attempt_at)
    select s.user_id, ${notice.kind}, ${dedupeKey},
      jsonb_build_object('_tag', ${notice.kind}::text, 'serviceName', coalesce(sv.name, ''),
        'instanceName', coalesce(s.display_name, s.instance_name) ${planName} ${subscriptionId}) || ${tx.json(notice.facts as never)}::jsonb,
      ${at}, ${at}
    from subscriptions s
    left join services sv on sv.id = s.service_id
    left join plans p on p.id = s.plan_id
    where s.id = ${id}
    on conflict (dedupe_key) do nothing`
  ]
}

interface NotificationRow {
  id: string
  user_id: string
  kind: string
  dedupe_key: string
  params: unknown
  created_at: Date
  read_at: Date | null
  email_status: EmailStatus
  email_attempts: number
  email_next_attempt_at: Date
  email_last_error: string | null
  email_sent_at: Date | null
}

const toStored = (r: NotificationRow): StoredNotification => ({
  id: r.id,
  userId: r.user_id,
  kind: r.kind,
  dedupeKey: r.dedupe_key,
  params: r.params,
  createdAt: r.created_at.toISOString(),
  readAt: r.read_at?.toISOString() ?? null,
  emailStatus: r.email_status,
  emailAttempts: r.email_attempts,
  emailNextAttemptAt: r.email_next_attempt_at.toISOString(),
  emailLastError: r.email_last_error,
  emailSentAt: r.email_sent_at?.toISOString() ?? null
})

const day = 86_400_000

export const NotificationsPostgres = Layer.effect(
  Notifications,
  Effect.map(Pg, (sql) =>
    Notifications.of({
      inbox: (userId, page, limit) =>
        Effect.promise(async () => {
          const [rows, [counts]] = await Promise.all([
            sql<Array<NotificationRow>>`select * from notifications where user_id = ${userId}
              order by (read_at is not null), created_at desc, id limit ${limit} offset ${(page - 1) * limit}`,
            sql<
              Array<{ total: number; unread: number }>
            >`select count(*)::int as total, count(*) filter (where read_at is null)::int as unread
              from notifications where user_id = ${userId}`
          ])
          return { items: rows.map(toStored), total: counts?.total ?? 0, unread: counts?.unread ?? 0 }
        }),
      markRead: (userId, id, at) =>
        Effect.promise(async () => {
          if (!uuidShape.test(id)) return false
          const rows = await sql`update notifications set read_at = coalesce(read_at, ${at})
            where id = ${id} and user_id = ${userId} returning 1`
          return rows.length === 1
        }),
      markAllRead: (userId, at) =>
        Effect.promise(
          async () =>
            (
              await sql`update notifications set read_at = ${at} where user_id = ${userId} and read_at is null returning 1`
            ).length
        ),
      search: (f) =>
        Effect.promise(async () => {
          const where = sql`true
            ${f.userId === undefined ? sql`` : sql`and user_id = ${f.userId}`}
            ${f.kind === undefined ? sql`` : sql`and kind = ${f.kind}`}
            ${f.emailStatus === undefined ? sql`` : sql`and email_status = ${f.emailStatus}`}`
          const [rows, [count]] = await Promise.all([
            sql<Array<NotificationRow>>`select * from notifications where ${where} order by created_at desc, id
              limit ${f.limit} offset ${(f.page - 1) * f.limit}`,
            sql<Array<{ n: number }>>`select count(*)::int as n from notifications where ${where}`
          ])
          return { items: rows.map(toStored), total: count?.n ?? 0 }
        }),
      deliveryCounts: Effect.promise(async () => {
        const rows = await sql<Array<{ email_status: EmailStatus; n: number }>>`
          select email_status, count(*)::int as n from notifications group by email_status`
        const counts = { PENDING: 0, SENT: 0, FAILED: 0, SKIPPED: 0 }
        for (const r of rows) counts[r.email_status] = r.n
        return counts
      }),
      claimDueEmails: (now, leaseUntil, limit) =>
        Effect.promise(async () => {
          // SKIP LOCKED: concurrent dispatchers take disjoint rows; the lease (committed at once)
          // keeps them disjoint while the mails are on the wire, without a transaction held open.
          const rows = await sql<Array<NotificationRow & { email: string | null; locale: Locale | null }>>`
            with due as (
              select id from notifications
              where email_status = 'PENDING' and email_next_attempt_at <= ${now}
              order by email_next_attempt_at, id limit ${limit}
              for update skip locked
            ), claimed as (
              update notifications n set email_attempts = n.email_attempts + 1, email_next_attempt_at = ${leaseUntil}
              from due where n.id = due.id returning n.*
            )
            select c.*, u.email, u.locale from claimed c left join users u on u.id::text = c.user_id`
          return rows.map((r): ClaimedEmail => ({
            notification: toStored(r),
            recipient: r.email === null ? null : { email: r.email, locale: r.locale ?? "id" }
          }))
        }),
      markEmailSent: (id, at) =>
        Effect.promise(
          () => sql`update notifications set email_status = 'SENT', email_sent_at = ${at} where id = ${id}`
        ).pipe(Effect.asVoid),
      markEmailFailed: (id, error, retryAt) =>
        Effect.promise(() =>
          retryAt === undefined
            ? sql`update notifications set email_status = 'FAILED', email_last_error = ${error.slice(0, 500)} where id = ${id}`
            : sql`update notifications set email_next_attempt_at = ${retryAt}, email_last_error = ${error.slice(0, 500)} where id = ${id}`
        ).pipe(Effect.asVoid),
      markEmailSkipped: (id, reason) =>
        Effect.promise(
          () => sql`update notifications set email_status = 'SKIPPED', email_last_error = ${reason} where id = ${id}`
        ).pipe(Effect.asVoid),
      localeOf: (userId) =>
        Effect.promise(async () => {
          if (!uuidShape.test(userId)) return "id" as const
          const [row] = await sql<Array<{ locale: Locale }>>`select locale from users where id = ${userId}`
          return row?.locale ?? "id"
        }),
      setLocale: (userId, locale) =>
        Effect.promise(() => sql`update users set locale = ${locale} where id = ${userId}`).pipe(Effect.asVoid),
      reminderCandidates: (now) =>
        Effect.promise(async () => {
          const rows = await sql<
            Array<{
              id: string
              user_id: string
              service_name: string
              instance_name: string
              renewal_status: string
              auto_renew: boolean
              period_end: Date
              renewal_price: number
              grace_ends_at: Date | null
              balance: number
            }>
          >`
            select s.id, s.user_id, coalesce(sv.name, '') as service_name, coalesce(s.display_name, s.instance_name) as instance_name,
              s.renewal_status, s.auto_renew, s.period_end, s.grace_ends_at, coalesce(w.balance, 0) as balance,
              case when s.free_months_left > 0 then 0 else s.monthly_price end as renewal_price
            from subscriptions s
            left join services sv on sv.id = s.service_id
            left join wallet_balances w on w.user_id = s.user_id
            where (s.status in ('PENDING_DEPLOYMENT', 'ACTIVE') and s.grace_ends_at is null and s.renewal_status = 'ACTIVE'
                and s.period_end > ${now} and s.period_end <= ${new Date(now.getTime() + 7 * day)})
              or (s.renewal_status = 'GRACE' and s.grace_ends_at > ${now})`
          return rows.map((r) => ({
            subscriptionId: r.id,
            userId: r.user_id,
            serviceName: r.service_name,
            instanceName: r.instance_name,
            renewalStatus: r.renewal_status,
            autoRenew: r.auto_renew,
            periodEnd: r.period_end.toISOString(),
            renewalPrice: r.renewal_price,
            graceEndsAt: r.grace_ends_at?.toISOString() ?? null,
            balance: r.balance
          }))
        }),
      enqueue: (reminders, at) =>
        Effect.promise(async () => {
          const rows = reminders.map((r) => ({
            user_id: r.userId,
            kind: r.content._tag,
            dedupe_key: r.dedupeKey,
            params: r.content,
            created_at: at,
            email_next_attempt_at: at
          }))
          const inserted =
            await sql`insert into notifications ${sql(rows as never, "user_id", "kind", "dedupe_key", "params", "created_at", "email_next_attempt_at")}
            on conflict (dedupe_key) do nothing returning 1`
          return inserted.length
        })
    })
  )
)
