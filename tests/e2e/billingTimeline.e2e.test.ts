import { describe, expect, it } from "vitest"
import { serverForFile } from "../support/e2eServer.ts"
import { seededPlans } from "../support/seededCatalog.ts"
import { type Api, balanceOf, newUser, type StartedServer } from "../support/server.ts"

const { ghostBasic } = seededPlans

let server: StartedServer
let http: Api
let admin: string
serverForFile(
  {
    JWT_SECRET: "timeline-e2e-secret-timeline-e2e-secret",
    DEV_CLOCK: "true",
    SIM_CLUSTER_READY_MS: "0",
    PROVISIONING_POLL_MS: "100",
    NOTIFY_POLL_MS: "100"
  },
  (world) => ({ server, http, admin } = world)
)

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const clockNow = async () => Date.parse((await http.get("/dev/clock")).body.data.now)
/** The customer's session; access tokens expire on the application clock, so each jump logs in again. */
const session = { email: "", password: "", token: "" }
const login = async () => {
  session.token = (
    await http.post("/api/auth/login", { email: session.email, password: session.password })
  ).body.data.accessToken
}
/** Moves the development clock to `iso` + `marginSeconds` (the jobs run right after). */
const advanceTo = async (iso: string, marginSeconds = 60) => {
  const seconds = Math.ceil((Date.parse(iso) - (await clockNow())) / 1000) + marginSeconds
  expect((await http.post("/dev/clock/advance", { seconds })).status).toBe(200)
  await login()
}
const advanceDays = async (days: number) => {
  expect((await http.post("/dev/clock/advance", { days })).status).toBe(200)
  await login()
}

/** The subjects the development mailbox holds for `email`, oldest first, once it holds `count`. */
const subjectsTo = async (email: string, count: number) => {
  let subjects: Array<string> = []
  for (let i = 0; i < 150; i++) {
    const items = (await http.get(`/dev/mailbox/messages?to=${encodeURIComponent(email)}&limit=100`)).body.data
      .items as Array<{ subject: string }>
    subjects = items.map((m) => m.subject).reverse()
    if (subjects.length >= count) return subjects
    await sleep(100)
  }
  throw new Error(`mailbox for ${email} holds only: ${subjects.join(" | ")}`)
}

const subscriptionOf = async (token: string, id: string) =>
  (await http.get(`/api/subscriptions/${id}`, token)).body.data
const ghostAvailable = async (token: string) =>
  (
    (await http.get("/api/catalog/services/ghost/plans", token)).body.data.items as Array<{
      id: string
      availableQuota: number
    }>
  ).find((p) => p.id === ghostBasic)!.availableQuota

/** A top-up paid through the Midtrans simulator's page. */
const topUp = async (token: string, amount: number) => {
  const created = (await http.post("/api/wallet/topup", { amount, paymentMethod: "QRIS" }, token)).body.data
  const paid = await fetch(`${server.baseUrl}/dev/midtrans/pay/${created.transactionId}/settle`, {
    method: "POST",
    redirect: "manual"
  })
  expect(paid.status).toBe(303)
}

describe("a subscription's life on the development clock, told by the development mailbox", () => {
  it("subscribe → renew → out of credit → grace mails → top-up renews at once → suspended → reactivate → expiring → expired", async () => {
    const user = newUser("timeline")
    const account = (await http.post("/api/auth/register", user)).body.data
    Object.assign(session, { email: user.email, password: user.password, token: account.accessToken })
    await http.post(
      `/api/admin/users/${account.user.id}/credit-adjustment`,
      { amount: 150_000, reason: "test credit" },
      admin
    )
    let mails = 1 // welcome
    const subscribed = await http.post(
      "/api/subscriptions",
      { planId: ghostBasic, instanceName: "diary" },
      session.token
    )
    expect(subscribed.status).toBe(201)
    const id = subscribed.body.data.id as string
    let sub = subscribed.body.data
    for (let i = 0; i < 100 && sub.instanceStatus !== "RUNNING"; i++) {
      await sleep(100)
      sub = await subscriptionOf(session.token, id)
    }
    expect(sub.instanceStatus).toBe("RUNNING")
    mails += 2 // subscription created, service ready
    // Sent in one dispatcher pass, so in either order.
    expect((await subjectsTo(user.email, mails)).slice(1).sort()).toEqual([
      "Ghost Anda sudah siap",
      "Langganan Ghost dibuat"
    ])

    // Renewal with enough credit.
    await advanceTo(sub.periodEnd)
    sub = await subscriptionOf(session.token, id)
    expect(sub.renewalStatus).toBe("ACTIVE")
    expect(await balanceOf(http, session.token)).toBe(0)
    mails += 1
    expect((await subjectsTo(user.email, mails)).at(-1)).toBe("Langganan Ghost diperpanjang")

    // Within a week of the next renewal, with no credit: low credit. Then the period ends: grace.
    await advanceTo(new Date(Date.parse(sub.periodEnd) - 6 * 86_400_000).toISOString())
    mails += 1
    expect((await subjectsTo(user.email, mails)).at(-1)).toBe("Saldo tidak cukup untuk perpanjangan Ghost")
    await advanceTo(sub.periodEnd)
    sub = await subscriptionOf(session.token, id)
    expect(sub.renewalStatus).toBe("GRACE")
    expect(sub.instanceStatus).toBe("RUNNING") // the app keeps running during grace
    mails += 1
    expect((await subjectsTo(user.email, mails)).at(-1)).toBe("Perpanjangan Ghost gagal: masa tenggang dimulai")
    await advanceDays(1)
    mails += 1
    expect((await subjectsTo(user.email, mails)).at(-1)).toBe("Pengingat: Ghost akan dihentikan dalam 6 hari")
    await advanceDays(1)
    mails += 1
    expect((await subjectsTo(user.email, mails)).at(-1)).toBe("Pengingat: Ghost akan dihentikan dalam 5 hari")

    // A top-up during grace renews at once, from the original period end.
    const unpaidPeriodStart = sub.periodEnd
    await topUp(session.token, 75_000)
    sub = await subscriptionOf(session.token, id)
    expect(sub.renewalStatus).toBe("ACTIVE")
    expect(sub.periodStart).toBe(unpaidPeriodStart)
    expect(await balanceOf(http, session.token)).toBe(0)
    mails += 2
    expect((await subjectsTo(user.email, mails)).slice(-2).sort()).toEqual(
      ["Isi saldo Rp\u00a075.000 berhasil", "Langganan Ghost diperpanjang"].sort()
    )

    // Out of credit again: grace, then suspended at its end (scaled to 0, slot released).
    const slotsWhileHeld = await ghostAvailable(session.token)
    await advanceTo(sub.periodEnd)
    sub = await subscriptionOf(session.token, id)
    expect(sub.renewalStatus).toBe("GRACE")
    mails += 1
    expect((await subjectsTo(user.email, mails)).at(-1)).toBe("Perpanjangan Ghost gagal: masa tenggang dimulai")
    await advanceTo(sub.graceEndsAt)
    sub = await subscriptionOf(session.token, id)
    expect(sub).toMatchObject({ status: "SUSPENDED", renewalStatus: "SUSPENDED", instanceStatus: "SUSPENDED" })
    expect(await ghostAvailable(session.token)).toBe(slotsWhileHeld + 1)
    mails += 1
    expect((await subjectsTo(user.email, mails)).at(-1)).toBe("Ghost dihentikan sementara")

    // Reactivation: a new month from now, charged; the slot taken again.
    expect((await http.post(`/api/subscriptions/${id}/reactivate`, {}, session.token)).body.error.code).toBe(
      "INSUFFICIENT_CREDIT"
    )
    await topUp(session.token, 75_000)
    mails += 1
    expect((await subjectsTo(user.email, mails)).at(-1)).toBe("Isi saldo Rp\u00a075.000 berhasil")
    const reactivated = await http.post(`/api/subscriptions/${id}/reactivate`, {}, session.token)
    expect(reactivated.status).toBe(200)
    expect(reactivated.body.data).toMatchObject({ status: "ACTIVE", renewalStatus: "ACTIVE" })
    expect(await ghostAvailable(session.token)).toBe(slotsWhileHeld)
    expect(await balanceOf(http, session.token)).toBe(0)

    // Auto-renew off: warned 3 days before the end, then expired.
    expect((await http.put(`/api/subscriptions/${id}/auto-renew`, { enabled: false }, session.token)).status).toBe(200)
    sub = await subscriptionOf(session.token, id)
    await advanceTo(new Date(Date.parse(sub.periodEnd) - 2 * 86_400_000).toISOString())
    mails += 1
    expect((await subjectsTo(user.email, mails)).at(-1)).toBe("Langganan Ghost segera berakhir")
    await advanceTo(sub.periodEnd)
    sub = await subscriptionOf(session.token, id)
    expect(sub).toMatchObject({ status: "EXPIRED", renewalStatus: "EXPIRED" })
    mails += 1
    expect((await subjectsTo(user.email, mails)).at(-1)).toBe("Langganan Ghost telah berakhir")

    // The in-app inbox holds the same story, unread first.
    const inbox = (await http.get("/api/notifications?limit=100", session.token)).body.data
    expect(inbox.unread).toBe(inbox.pagination.total)
    expect(new Set(inbox.items.map((n: { kind: string }) => n.kind))).toEqual(
      new Set([
        "welcome",
        "subscription_created",
        "service_ready",
        "renewal_succeeded",
        "low_credit",
        "grace_started",
        "grace_reminder",
        "topup_settled",
        "suspended",
        "expiring",
        "expired"
      ])
    )
  })
})
