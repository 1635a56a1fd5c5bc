import { Effect, Schema } from "effect"
import * as Notify from "../../../application/notification/useCases.ts"
import type { StoredNotification } from "../../../application/ports/notifications.ts"
import { Locale, notificationKinds } from "../../../domain/notification/index.ts"
import { Id, pageOf, Pagination, Timestamp } from "../responses.ts"
import { ok, route } from "../route.ts"
import { IdParams, PageListQuery, PageQuery } from "../schemas.ts"

const EmailStatusQuery = Schema.Literal("PENDING", "SENT", "FAILED", "SKIPPED")
const SettingsBody = Schema.Struct({ locale: Locale })
const AdminNotificationsQuery = Schema.Struct({
  ...PageQuery,
  userId: Schema.optional(Schema.UUID),
  kind: Schema.optional(Schema.Literal(...notificationKinds)),
  status: Schema.optional(EmailStatusQuery)
})

const EmailStatus = EmailStatusQuery

const NotificationItem = Schema.Struct({
  id: Id,
  kind: Schema.String.annotations({ description: `one of ${notificationKinds.join(", ")}` }),
  title: Schema.String,
  message: Schema.String,
  data: Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
    description: "the values the message was written from (amounts, names, dates)"
  }),
  read: Schema.Boolean,
  readAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp
}).annotations({ identifier: "Notification" })
const Inbox = Schema.Struct({ items: Schema.Array(NotificationItem), pagination: Pagination, unread: Schema.Int })
const Settings = Schema.Struct({ locale: Locale }).annotations({ identifier: "NotificationSettings" })
const OutboxItem = Schema.Struct({
  id: Id,
  userId: Schema.String,
  kind: Schema.String,
  cause: Schema.String.annotations({ description: "the dedupe key: what caused it (one notification per cause)" }),
  createdAt: Timestamp,
  readAt: Schema.NullOr(Timestamp),
  email: Schema.Struct({
    status: EmailStatus,
    attempts: Schema.Int,
    nextAttemptAt: Schema.NullOr(Timestamp),
    lastError: Schema.NullOr(Schema.String),
    sentAt: Schema.NullOr(Timestamp)
  })
}).annotations({ identifier: "OutboxNotification" })
const Outbox = Schema.Struct({
  items: Schema.Array(OutboxItem),
  pagination: Pagination,
  counts: Schema.Struct({ PENDING: Schema.Int, SENT: Schema.Int, FAILED: Schema.Int, SKIPPED: Schema.Int })
})

const deliveryView = (n: StoredNotification) => ({
  id: n.id,
  userId: n.userId,
  kind: n.kind,
  cause: n.dedupeKey,
  createdAt: n.createdAt,
  readAt: n.readAt,
  email: {
    status: n.emailStatus,
    attempts: n.emailAttempts,
    nextAttemptAt: n.emailStatus === "PENDING" ? n.emailNextAttemptAt : null,
    lastError: n.emailLastError,
    sentAt: n.emailSentAt
  }
})

export const notificationRoutes = [
  route({
    method: "get",
    path: "/api/notifications",
    summary: "The caller's notifications, unread first, then newest first; rendered in the caller's language",
    tag: "notifications",
    access: "user",
    query: PageListQuery,
    response: Inbox,
    handle: ({ principal, query }) =>
      Effect.map(Notify.listNotifications(principal.userId, query.page, query.limit), (r) =>
        ok("Notifications", { ...pageOf(r.items, r.total, query.page, query.limit), unread: r.unread })
      )
  }),
  route({
    method: "put",
    path: "/api/notifications/read-all",
    summary: "Mark all of the caller's notifications read",
    tag: "notifications",
    access: "user",
    response: Schema.Struct({ marked: Schema.Int }),
    handle: ({ principal }) =>
      Effect.map(Notify.markAllNotificationsRead(principal.userId), (marked) =>
        ok("All notifications read", { marked })
      )
  }),
  route({
    method: "put",
    path: "/api/notifications/:id/read",
    summary: "Mark one of the caller's notifications read (anyone else's is 404)",
    tag: "notifications",
    access: "user",
    params: IdParams,
    response: Schema.Struct({ id: Id, read: Schema.Literal(true) }),
    handle: ({ principal, params }) =>
      Effect.map(Notify.markNotificationRead(principal.userId, params.id), () =>
        ok("Notification read", { id: params.id, read: true as const })
      )
  }),
  route({
    method: "get",
    path: "/api/notifications/settings",
    summary: "The caller's notification language (id or en)",
    tag: "notifications",
    access: "user",
    response: Settings,
    handle: ({ principal }) =>
      Effect.map(Notify.getNotificationSettings(principal.userId), (s) => ok("Notification settings", s))
  }),
  route({
    method: "put",
    path: "/api/notifications/settings",
    summary: "Set the caller's notification language: id (Indonesian, default) or en",
    tag: "notifications",
    access: "user",
    body: SettingsBody,
    response: Settings,
    handle: ({ principal, body }) =>
      Effect.map(Notify.setNotificationLocale(principal.userId, body.locale), (s) => ok("Notification settings", s))
  }),
  route({
    method: "get",
    path: "/api/admin/notifications",
    summary:
      "The notification outbox with each email's delivery state (attempts, next attempt, last error), newest first",
    tag: "admin",
    access: "admin",
    query: AdminNotificationsQuery,
    response: Outbox,
    handle: ({ query }) =>
      Effect.map(
        Notify.searchNotifications({
          page: query.page,
          limit: query.limit,
          userId: query.userId,
          kind: query.kind,
          emailStatus: query.status
        }),
        (r) =>
          ok("Notification outbox", {
            ...pageOf(r.items.map(deliveryView), r.total, query.page, query.limit),
            counts: r.counts
          })
      )
  })
]
