import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  dueReminders,
  expiringNoticeMs,
  lowCreditNoticeMs,
  type ReminderCandidate
} from "../../domain/notification/index.ts"

const numRuns = Number(process.env["PROPERTY_RUNS"] ?? 500)
const day = 86_400_000
const t0 = Date.parse("2026-12-01T00:00:00.000Z")

const candidateArb = fc
  .record({
    subscriptionId: fc.constantFrom("a", "b", "c", "d"),
    userId: fc.constantFrom("u1", "u1", "u2"),
    serviceName: fc.constant("Ghost"),
    instanceName: fc.constant("blog"),
    renewalStatus: fc.constantFrom("ACTIVE", "GRACE", "SUSPENDED", "CANCELLED"),
    autoRenew: fc.boolean(),
    periodEndOffset: fc.integer({ min: -8 * day, max: 12 * day }),
    renewalPrice: fc.constantFrom(0, 25_000, 75_000),
    balance: fc.integer({ min: 0, max: 200_000 })
  })
  .map(({ periodEndOffset, ...c }): ReminderCandidate => ({
    ...c,
    periodEnd: new Date(t0 + periodEndOffset).toISOString(),
    graceEndsAt: c.renewalStatus === "GRACE" ? new Date(t0 + periodEndOffset + 7 * day).toISOString() : null
  }))
/** One row per subscription, one balance per user, as the read models give them. */
const candidatesArb = fc.uniqueArray(candidateArb, { selector: (c) => c.subscriptionId, maxLength: 4 }).chain((cs) =>
  fc
    .record({
      u1: fc.constantFrom(0, 25_000, 50_000, 75_000, 100_000, 150_000),
      u2: fc.integer({ min: 0, max: 200_000 })
    })
    .map((balances) => cs.map((c) => ({ ...c, balance: balances[c.userId as "u1" | "u2"] })))
)
const jobTimesArb = fc
  .array(fc.integer({ min: 0, max: 12 * day }), { minLength: 1, maxLength: 30 })
  .map((ts) => ts.sort((a, b) => a - b).map((t) => t0 + t))

describe("time-driven reminders over random job runs", () => {
  it("each reminder is for the right situation, and its key makes it at most once per period (per day for grace)", () => {
    fc.assert(
      fc.property(candidatesArb, jobTimesArb, (candidates, times) => {
        const sent = new Map<string, { kind: string; at: number }>() // the outbox: first writer of a key wins
        for (const now of times) {
          // The read model only offers periods ending within a week, and grace not yet over.
          const offered = candidates.filter((c) =>
            c.renewalStatus === "GRACE"
              ? Date.parse(c.graceEndsAt!) > now
              : Date.parse(c.periodEnd) > now && Date.parse(c.periodEnd) - now <= 7 * day
          )
          // Complete: exactly the situations that call for a reminder get one.
          const emitted = dueReminders(offered, now)
          const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10)
          const expected = offered.flatMap((c) => {
            const end = Date.parse(c.periodEnd)
            if (c.renewalStatus === "GRACE")
              return utcDay(now) > utcDay(end) ? [`grace_reminder:${c.subscriptionId}`] : []
            if (c.renewalStatus !== "ACTIVE") return []
            if (!c.autoRenew) return end - now <= expiringNoticeMs ? [`expiring:${c.subscriptionId}`] : []
            const owed = offered
              .filter(
                (x) =>
                  x.userId === c.userId &&
                  x.renewalStatus === "ACTIVE" &&
                  x.autoRenew &&
                  (Date.parse(x.periodEnd) < end ||
                    (Date.parse(x.periodEnd) === end && x.subscriptionId <= c.subscriptionId))
              )
              .reduce((sum, x) => sum + x.renewalPrice, 0)
            return c.renewalPrice > 0 && owed > c.balance ? [`low_credit:${c.subscriptionId}`] : []
          })
          expect(emitted.map((r) => r.dedupeKey.split(":").slice(0, 2).join(":")).sort()).toEqual(expected.sort())
          for (const r of emitted) {
            const c = candidates.find((x) => x.userId === r.userId && r.dedupeKey.includes(`:${x.subscriptionId}:`))!
            const end = Date.parse(c.periodEnd)
            switch (r.content._tag) {
              case "low_credit": {
                expect(c.renewalStatus === "ACTIVE" && c.autoRenew && c.renewalPrice > 0).toBe(true)
                expect(end - now).toBeLessThanOrEqual(lowCreditNoticeMs)
                // The balance cannot pay this renewal after the user's earlier ones in the window.
                const earlier = offered.filter(
                  (x) =>
                    x.userId === c.userId &&
                    x.renewalStatus === "ACTIVE" &&
                    x.autoRenew &&
                    (Date.parse(x.periodEnd) < end ||
                      (Date.parse(x.periodEnd) === end && x.subscriptionId <= c.subscriptionId))
                )
                expect(earlier.reduce((s, x) => s + x.renewalPrice, 0)).toBeGreaterThan(c.balance)
                break
              }
              case "expiring":
                expect(c.renewalStatus === "ACTIVE" && !c.autoRenew).toBe(true)
                expect(end - now).toBeLessThanOrEqual(expiringNoticeMs)
                break
              case "grace_reminder":
                expect(c.renewalStatus).toBe("GRACE")
                expect(new Date(now).toISOString().slice(0, 10) > c.periodEnd.slice(0, 10)).toBe(true)
                expect(now).toBeLessThan(Date.parse(c.graceEndsAt!))
                break
              default:
                throw new Error(`unexpected ${r.content._tag}`)
            }
            if (!sent.has(r.dedupeKey)) sent.set(r.dedupeKey, { kind: r.content._tag, at: now })
          }
        }
        // At most one low-credit and one expiring notice per subscription (one period each here),
        // and at most one grace reminder per subscription and UTC day.
        const perCause = new Map<string, number>()
        for (const [key, { kind, at }] of sent) {
          const sub = key.split(":")[1]
          const cause =
            kind === "grace_reminder" ? `${kind}:${sub}:${new Date(at).toISOString().slice(0, 10)}` : `${kind}:${sub}`
          perCause.set(cause, (perCause.get(cause) ?? 0) + 1)
        }
        expect([...perCause.values()].every((n) => n === 1)).toBe(true)
      }),
      { numRuns }
    )
  })
})
