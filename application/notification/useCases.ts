import { Clock, Context, Effect, Either, Schema } from "effect"
import {
  dueReminders,
  type Locale,
  NotificationContent,
  nextAttemptDelay,
  type RenderedNotification,
  renderNotification,
  type RetryPolicy
} from "../../domain/notification/index.ts"
import {
  type AdminNotificationFilter,
  type ClaimedEmail,
  Mailer,
  Notifications,
  type StoredNotification
} from "../ports/notifications.ts"
import { instanceHost } from "../subscription/naming.ts"
import { NotificationNotFound } from "./errors.ts"

export interface NotificationPolicyService {
  readonly retry: RetryPolicy
  /** How long a claimed email is reserved for the dispatcher that claimed it. */
  readonly leaseMs: number
  readonly batchSize: number
  /** Instances are served at https://<name>-<id8>.<baseDomain>. */
  readonly baseDomain: string
  /** This server's public URL, linked from the mails. */
  readonly appUrl: () => string
}
export class NotificationPolicy extends Context.Tag("app/NotificationPolicy")<
  NotificationPolicy,
  NotificationPolicyService
>() {}

const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))
const decodeContent = Schema.decodeUnknownEither(NotificationContent)

const render = (
  stored: StoredNotification,
  locale: Locale,
  policy: NotificationPolicyService
): Either.Either<RenderedNotification, string> =>
  Either.map(
    Either.mapLeft(
      decodeContent(stored.params),
      () => `notification ${stored.id}: params do not match kind ${stored.kind}`
    ),
    (content) =>
      renderNotification(content, locale, {
        instanceUrl: (name, subscriptionId) => `https://${instanceHost(name, subscriptionId, policy.baseDomain)}`,
        appUrl: policy.appUrl()
      })
  )

export interface NotificationView {
  readonly id: string
  readonly kind: string
  readonly title: string
  readonly message: string
  readonly data: Record<string, unknown>
  readonly read: boolean
  readonly readAt: string | null
  readonly createdAt: string
}

const dataOf = (params: unknown): Record<string, unknown> => {
  const { _tag, ...rest } = params as Record<string, unknown>
  return rest
}

const viewOf = (n: StoredNotification, locale: Locale, policy: NotificationPolicyService): NotificationView => {
  const rendered = render(n, locale, policy)
  return {
    id: n.id,
    kind: n.kind,
    title: Either.isRight(rendered) ? rendered.right.subject : n.kind,
    message: Either.isRight(rendered) ? rendered.right.message : "",
    data: dataOf(n.params),
    read: n.readAt !== null,
    readAt: n.readAt,
    createdAt: n.createdAt
  }
}

/** The caller's notifications, unread first, rendered in the caller's language. */
export const listNotifications = Effect.fn("Notifications.list")(function* (
  userId: string,
  page: number,
  limit: number
) {
  const store = yield* Notifications
  const policy = yield* NotificationPolicy
  const locale = yield* store.localeOf(userId)
  const { items, total, unread } = yield* store.inbox(userId, page, limit)
  return { items: items.map((n) => viewOf(n, locale, policy)), total, unread }
})

/** Only the owner's own notifications; anything else is not found (404, never 403). */
export const markNotificationRead = Effect.fn("Notifications.markRead")(function* (
  userId: string,
  notificationId: string
) {
  const found = yield* (yield* Notifications).markRead(userId, notificationId, yield* now)
  if (!found) return yield* new NotificationNotFound({ notificationId })
})

export const markAllNotificationsRead = Effect.fn("Notifications.markAllRead")(function* (userId: string) {
  return yield* (yield* Notifications).markAllRead(userId, yield* now)
})

export const getNotificationSettings = Effect.fn("Notifications.settings")(function* (userId: string) {
  return { locale: yield* (yield* Notifications).localeOf(userId) }
})

export const setNotificationLocale = Effect.fn("Notifications.setLocale")(function* (userId: string, locale: Locale) {
  yield* (yield* Notifications).setLocale(userId, locale)
  return { locale }
})

/** Administrators: the outbox with its delivery state, newest first, and counts per state. */
export const searchNotifications = Effect.fn("Notifications.search")(function* (filter: AdminNotificationFilter) {
  const store = yield* Notifications
  const [page, counts] = yield* Effect.all([store.search(filter), store.deliveryCounts])
  return { ...page, counts }
})

export interface DispatchReport {
  readonly sent: number
  readonly retrying: number
  readonly failed: number
  readonly skipped: number
}

/**
 * One dispatcher pass: claim the due emails, render each in its recipient's language, send it
 * over the Mailer and record the outcome. A failed send is retried with exponential backoff until
 * the policy's attempts run out. Safe on several replicas at once (claims skip locked rows and
 * lease them); at least once (a crash after sending, before recording, sends again once the
 * lease ends — the stable Message-ID lets a receiver drop the duplicate).
 */
export const dispatchEmails = Effect.fn("Notifications.dispatchEmails")(function* () {
  const store = yield* Notifications
  const mailer = yield* Mailer
  const policy = yield* NotificationPolicy
  const at = yield* now
  const claimed = yield* store.claimDueEmails(at, new Date(at.getTime() + policy.leaseMs), policy.batchSize)
  const deliver = (c: ClaimedEmail) =>
    Effect.gen(function* () {
      const n = c.notification
      if (c.recipient === null) {
        yield* store.markEmailSkipped(n.id, "no such user")
        return "skipped" as const
      }
      const rendered = render(n, c.recipient.locale, policy)
      if (Either.isLeft(rendered)) {
        yield* Effect.logError(rendered.left)
        yield* store.markEmailFailed(n.id, rendered.left, undefined)
        return "failed" as const
      }
      const { subject, text, html } = rendered.right
      const sent = yield* Effect.either(
        mailer.send({ to: c.recipient.email, subject, text, html, messageId: `<${n.id}@minispod>` })
      )
      const finished = yield* now
      if (Either.isRight(sent)) {
        yield* store.markEmailSent(n.id, finished)
        return "sent" as const
      }
      const delay = nextAttemptDelay(n.emailAttempts, policy.retry)
      yield* Effect.logWarning("email delivery failed").pipe(
        Effect.annotateLogs({
          notificationId: n.id,
          attempt: n.emailAttempts,
          reason: sent.left.reason,
          willRetry: delay !== undefined
        })
      )
      yield* store.markEmailFailed(
        n.id,
        sent.left.reason,
        delay === undefined ? undefined : new Date(finished.getTime() + delay)
      )
      return delay === undefined ? ("failed" as const) : ("retrying" as const)
    })
  const outcomes = yield* Effect.forEach(claimed, deliver, { concurrency: 4 })
  const count = (o: string) => outcomes.filter((x) => x === o).length
  return {
    sent: count("sent"),
    retrying: count("retrying"),
    failed: count("failed"),
    skipped: count("skipped")
  } satisfies DispatchReport
})

/** The time-driven reminders (low credit, expiring, daily grace reminder) due now; idempotent. */
export const enqueueReminders = Effect.fn("Notifications.enqueueReminders")(function* () {
  const store = yield* Notifications
  const at = yield* now
  const due = dueReminders(yield* store.reminderCandidates(at), at.getTime())
  return due.length === 0 ? 0 : yield* store.enqueue(due, at)
})
