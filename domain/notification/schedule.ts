import type { NotificationContent } from "./content.ts"

const day = 86_400_000

/** When the time-driven notifications fire (issue 9 §3). */
export const lowCreditNoticeMs = 7 * day
export const expiringNoticeMs = 3 * day

/** A subscription as the reminder job sees it (read models). */
export interface ReminderCandidate {
  readonly subscriptionId: string
  readonly userId: string
  readonly serviceName: string
  readonly instanceName: string
  /** ACTIVE, GRACE, … (the renewal state); only ACTIVE and GRACE get reminders. */
  readonly renewalStatus: string
  readonly autoRenew: boolean
  readonly periodEnd: string
  /** What the next renewal costs (0 when a free month or a free plan pays for it). */
  readonly renewalPrice: number
  readonly graceEndsAt: string | null
  readonly balance: number
}

/** A reminder to put in the outbox; the dedupe key makes it at most once per cause. */
export interface DueReminder {
  readonly userId: string
  readonly dedupeKey: string
  readonly content: NotificationContent
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/**
 * Pure: the reminders due at `now`.
 * - low credit: an auto-renewing period ends within 7 days and the balance cannot pay it after the
 *   user's renewals that come before it (earliest first) — once per period;
 * - expiring: a non-renewing period ends within 3 days — once per period;
 * - grace reminder: every day of a grace period after the day it started — at most one a day.
 */
export const dueReminders = (candidates: ReadonlyArray<ReminderCandidate>, now: number): ReadonlyArray<DueReminder> => {
  const due: Array<DueReminder> = []
  const renewing = candidates
    .filter((c) => c.renewalStatus === "ACTIVE" && c.autoRenew && Date.parse(c.periodEnd) > now)
    .sort(
      (a, b) => Date.parse(a.periodEnd) - Date.parse(b.periodEnd) || a.subscriptionId.localeCompare(b.subscriptionId)
    )
  const committed = new Map<string, number>()
  for (const c of renewing) {
    const before = committed.get(c.userId) ?? 0
    const needed = before + c.renewalPrice
    committed.set(c.userId, needed)
    if (Date.parse(c.periodEnd) - now > lowCreditNoticeMs || c.renewalPrice === 0 || needed <= c.balance) continue
    due.push({
      userId: c.userId,
      dedupeKey: `low_credit:${c.subscriptionId}:${c.periodEnd}`,
      content: {
        _tag: "low_credit",
        serviceName: c.serviceName,
        instanceName: c.instanceName,
        amountDue: c.renewalPrice,
        balance: c.balance,
        renewalAt: c.periodEnd
      }
    })
  }
  for (const c of candidates) {
    const end = Date.parse(c.periodEnd)
    if (c.renewalStatus === "ACTIVE" && !c.autoRenew && end > now && end - now <= expiringNoticeMs) {
      due.push({
        userId: c.userId,
        dedupeKey: `expiring:${c.subscriptionId}:${c.periodEnd}`,
        content: { _tag: "expiring", serviceName: c.serviceName, instanceName: c.instanceName, periodEnd: c.periodEnd }
      })
    }
    if (c.renewalStatus === "GRACE" && c.graceEndsAt !== null) {
      const graceEnd = Date.parse(c.graceEndsAt)
      // Grace starts at the period end; its first day already had the grace-started notice.
      if (now >= graceEnd || utcDay(now) <= utcDay(end)) continue
      due.push({
        userId: c.userId,
        dedupeKey: `grace_reminder:${c.subscriptionId}:${c.graceEndsAt}:${utcDay(now)}`,
        content: {
          _tag: "grace_reminder",
          serviceName: c.serviceName,
          instanceName: c.instanceName,
          amountDue: c.renewalPrice,
          graceEndsAt: c.graceEndsAt,
          daysLeft: Math.ceil((graceEnd - now) / day)
        }
      })
    }
  }
  return due
}

/** Email delivery: exponential backoff between attempts, then give up. */
export interface RetryPolicy {
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

/** After the `attempts`-th failed attempt: when to try again, or undefined to give up. */
export const nextAttemptDelay = (attempts: number, policy: RetryPolicy): number | undefined =>
  attempts >= policy.maxAttempts ? undefined : Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempts - 1))
