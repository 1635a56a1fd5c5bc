import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import {
  dueReminders,
  formatRupiah,
  NotificationContent,
  notificationKinds,
  nextAttemptDelay,
  renderNotification
} from "../../domain/notification/index.ts"
import { candidate, contentOfEveryKind, links } from "../support/notificationMother.ts"

const at = (iso: string) => Date.parse(iso)

describe("notification templates", () => {
  it("cover every kind, and every kind's content round-trips through its Schema", () => {
    const contents = contentOfEveryKind()
    expect(contents.map((c) => c._tag)).toEqual([...notificationKinds])
    for (const c of contents)
      expect(Schema.decodeUnknownSync(NotificationContent)(Schema.encodeSync(NotificationContent)(c))).toEqual(c)
  })

  it("format rupiah the Indonesian way", () => {
    expect(formatRupiah(1_250_000)).toBe("Rp\u00a01.250.000")
    expect(formatRupiah(0)).toBe("Rp\u00a00")
  })

  for (const locale of ["id", "en"] as const) {
    describe(`in ${locale}`, () => {
      for (const content of contentOfEveryKind()) {
        it(`${content._tag}: subject, text and HTML, values escaped in the HTML only`, () => {
          const mail = renderNotification(content, locale, links)
          expect(mail.subject.length).toBeGreaterThan(5)
          expect(mail.html).toContain(`<html lang="${locale}">`)
          // Raw markup from a value never reaches the HTML; the text keeps it verbatim.
          expect(mail.html).not.toContain("<script>")
          if (content._tag !== "topup_settled") {
            expect(mail.text).toContain("<script>alert('x')</script> & Co")
            expect(mail.html).toContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co")
          }
          if ("charged" in content || "amountDue" in content || "refunded" in content || "amount" in content) {
            expect(mail.text).toContain("Rp\u00a01.250.000")
            expect(mail.html).toContain("Rp\u00a01.250.000")
          }
          if (content._tag === "service_ready")
            expect(mail.text).toContain(links.instanceUrl(content.instanceName, content.subscriptionId))
        })
      }
    })
  }

  it("speak the user's language", () => {
    const [welcome] = contentOfEveryKind("Budi")
    expect(renderNotification(welcome!, "id", links).subject).toBe("Selamat datang di MinisPod")
    expect(renderNotification(welcome!, "en", links).subject).toBe("Welcome to MinisPod")
    const expiring = contentOfEveryKind("blog").find((c) => c._tag === "expiring")!
    expect(renderNotification(expiring, "id", links).text).toContain("22 Desember 2026")
    expect(renderNotification(expiring, "en", links).text).toContain("22 December 2026")
  })
})

describe("time-driven reminders", () => {
  const now = at("2026-12-05T00:00:00.000Z")

  it("given a renewal in 5 days the balance cannot pay, when the job runs, then low credit once for that period", () => {
    const due = dueReminders([candidate({ balance: 10_000 })], now)
    expect(due).toEqual([
      expect.objectContaining({ dedupeKey: "low_credit:sub-1:2026-12-10T00:00:00.000Z", userId: "user-1" })
    ])
    expect(due[0]!.content).toMatchObject({ _tag: "low_credit", amountDue: 75_000, balance: 10_000 })
  })

  it("given enough credit, a renewal further than 7 days, or a free renewal, then no low-credit notice", () => {
    expect(dueReminders([candidate({ balance: 75_000 })], now)).toEqual([])
    expect(dueReminders([candidate({ periodEnd: "2026-12-12T00:00:01.000Z" })], now)).toEqual([])
    expect(dueReminders([candidate({ renewalPrice: 0 })], now)).toEqual([])
  })

  it("given two renewals the balance covers one of, then only the later one is low on credit", () => {
    const due = dueReminders(
      [
        candidate({ subscriptionId: "late", periodEnd: "2026-12-11T00:00:00.000Z", balance: 100_000 }),
        candidate({ subscriptionId: "early", periodEnd: "2026-12-07T00:00:00.000Z", balance: 100_000 })
      ],
      now
    )
    expect(due.map((d) => d.dedupeKey)).toEqual(["low_credit:late:2026-12-11T00:00:00.000Z"])
  })

  it("given auto-renew off, then expiring within 3 days only", () => {
    expect(
      dueReminders([candidate({ autoRenew: false, periodEnd: "2026-12-08T00:00:00.000Z" })], now).map(
        (d) => d.dedupeKey
      )
    ).toEqual(["expiring:sub-1:2026-12-08T00:00:00.000Z"])
    expect(dueReminders([candidate({ autoRenew: false, periodEnd: "2026-12-08T00:00:01.000Z" })], now)).toEqual([])
  })

  it("given grace, then one reminder per day after the day it started, keyed by the day", () => {
    const grace = candidate({
      renewalStatus: "GRACE",
      periodEnd: "2026-12-03T10:00:00.000Z",
      graceEndsAt: "2026-12-10T10:00:00.000Z"
    })
    const onDay = (iso: string) => dueReminders([grace], at(iso)).map((d) => d.dedupeKey)
    expect(onDay("2026-12-03T23:00:00.000Z")).toEqual([]) // the grace-started notice's own day
    expect(onDay("2026-12-04T01:00:00.000Z")).toEqual(["grace_reminder:sub-1:2026-12-10T10:00:00.000Z:2026-12-04"])
    expect(onDay("2026-12-04T22:00:00.000Z")).toEqual(onDay("2026-12-04T01:00:00.000Z"))
    expect(dueReminders([grace], at("2026-12-08T10:00:00.000Z"))[0]!.content).toMatchObject({ daysLeft: 2 })
    expect(onDay("2026-12-10T10:00:00.000Z")).toEqual([]) // grace over
  })

  it("given a suspended or cancelled subscription, then nothing", () => {
    expect(
      dueReminders(
        [candidate({ renewalStatus: "SUSPENDED", balance: 0 }), candidate({ renewalStatus: "CANCELLED" })],
        now
      )
    ).toEqual([])
  })
})

describe("email retry policy", () => {
  const policy = { maxAttempts: 5, baseDelayMs: 30_000, maxDelayMs: 100_000 }
  it("backs off exponentially up to the cap, then gives up", () => {
    expect([1, 2, 3, 4, 5].map((n) => nextAttemptDelay(n, policy))).toEqual([
      30_000,
      60_000,
      100_000,
      100_000,
      undefined
    ])
  })
})
