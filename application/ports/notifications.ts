import { Context, Schema, type Effect } from "effect"
import type { DueReminder, Locale, ReminderCandidate } from "../../domain/notification/index.ts"

export type EmailStatus = "PENDING" | "SENT" | "FAILED" | "SKIPPED"

/** An outbox row: the in-app notification and its email delivery state. */
export interface StoredNotification {
  readonly id: string
  readonly userId: string
  readonly kind: string
  readonly dedupeKey: string
  /** The content as stored (decoded by the use cases). */
  readonly params: unknown
  readonly createdAt: string
  readonly readAt: string | null
  readonly emailStatus: EmailStatus
  readonly emailAttempts: number
  readonly emailNextAttemptAt: string
  readonly emailLastError: string | null
  readonly emailSentAt: string | null
}

/** A row claimed for an email attempt, with its recipient (null: no such user any more). */
export interface ClaimedEmail {
  readonly notification: StoredNotification
  readonly recipient: { readonly email: string; readonly locale: Locale } | null
}

export interface AdminNotificationFilter {
  readonly userId?: string | undefined
  readonly kind?: string | undefined
  readonly emailStatus?: EmailStatus | undefined
  readonly page: number
  readonly limit: number
}

export interface NotificationsService {
  /** The user's notifications, unread first then newest first. */
  readonly inbox: (
    userId: string,
    page: number,
    limit: number
  ) => Effect.Effect<{
    readonly items: ReadonlyArray<StoredNotification>
    readonly total: number
    readonly unread: number
  }>
  /** false when no such notification belongs to the user. */
  readonly markRead: (userId: string, id: string, at: Date) => Effect.Effect<boolean>
  /** How many were unread. */
  readonly markAllRead: (userId: string, at: Date) => Effect.Effect<number>
  readonly search: (
    filter: AdminNotificationFilter
  ) => Effect.Effect<{ readonly items: ReadonlyArray<StoredNotification>; readonly total: number }>
  readonly deliveryCounts: Effect.Effect<Readonly<Record<EmailStatus, number>>>
  /**
   * Claims up to `limit` emails due at `now` and leases them until `leaseUntil`: another
   * dispatcher (another replica) skips them meanwhile; a crashed one's lease runs out and the
   * email is tried again (at least once). Each claim counts as an attempt.
   */
  readonly claimDueEmails: (now: Date, leaseUntil: Date, limit: number) => Effect.Effect<ReadonlyArray<ClaimedEmail>>
  readonly markEmailSent: (id: string, at: Date) => Effect.Effect<void>
  /** `retryAt` undefined: give up (FAILED). */
  readonly markEmailFailed: (id: string, error: string, retryAt: Date | undefined) => Effect.Effect<void>
  readonly markEmailSkipped: (id: string, reason: string) => Effect.Effect<void>
  /** The user's language ('id' when unknown). */
  readonly localeOf: (userId: string) => Effect.Effect<Locale>
  readonly setLocale: (userId: string, locale: Locale) => Effect.Effect<void>
  /** Subscriptions that may need a time-driven reminder at `now` (periods ending within a week, grace). */
  readonly reminderCandidates: (now: Date) => Effect.Effect<ReadonlyArray<ReminderCandidate>>
  /** Inserts reminders; a dedupe key already present is skipped. Returns how many were new. */
  readonly enqueue: (reminders: ReadonlyArray<DueReminder>, at: Date) => Effect.Effect<number>
}

export class Notifications extends Context.Tag("app/Notifications")<Notifications, NotificationsService>() {}

/** An email to send; `messageId` is stable per notification, so a receiver can drop a resend. */
export interface OutgoingMail {
  readonly to: string
  readonly subject: string
  readonly text: string
  readonly html: string
  readonly messageId: string
}

export class MailDeliveryFailed extends Schema.TaggedError<MailDeliveryFailed>()("MailDeliveryFailed", {
  reason: Schema.String
}) {}

export interface MailerService {
  readonly send: (mail: OutgoingMail) => Effect.Effect<void, MailDeliveryFailed>
}

export class Mailer extends Context.Tag("app/Mailer")<Mailer, MailerService>() {}
