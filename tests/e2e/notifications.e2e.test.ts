import { describe, expect, it } from "vitest"
import { createTestDatabase } from "../support/database.ts"
import { serverForFile } from "../support/e2eServer.ts"
import { api, type Api, customer, newUser, type StartedServer, startServer } from "../support/server.ts"
import { startSmtpSink } from "../support/smtpSink.ts"

let server: StartedServer
let http: Api
let admin: string
serverForFile(
  { JWT_SECRET: "notify-e2e-secret-notify-e2e-secret", NOTIFY_POLL_MS: "100" },
  (world) => ({ server, http, admin } = world)
)

/** The development mailbox's JSON for one recipient, once it holds `count` mails (the dispatcher runs every 100 ms). */
const mailsTo = async (email: string, count: number) => {
  for (let i = 0; i < 100; i++) {
    const found = (await http.get(`/dev/mailbox/messages?to=${encodeURIComponent(email)}`)).body.data.items as Array<
      Record<string, string>
    >
    if (found.length >= count) return found
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`no ${count} mails for ${email}`)
}

/** A top-up paid through the Midtrans simulator's page, as a person would. */
const topUp = async (token: string, amount: number) => {
  const created = (await http.post("/api/wallet/topup", { amount, paymentMethod: "QRIS" }, token)).body.data
  await fetch(`${server.baseUrl}/dev/midtrans/pay/${created.transactionId}/settle`, {
    method: "POST",
    redirect: "manual"
  })
}

describe("notifications over HTTP, with the development mailbox", () => {
  it("the start banner names the development mailbox", () => {
    expect(server.output()).toMatch(/mail: DEVELOPMENT MAILBOX .* read at http:\/\/\S+\/dev\/mailbox/)
  })

  it("welcome and top-up reach the inbox and the mailbox in the user's language; unread first, paginated; read and read-all; others' are 404", async () => {
    const alice = await customer(http, admin, "alice", 0)
    const bob = await customer(http, admin, "bob", 0)
    expect((await http.put("/api/notifications/settings", { locale: "en" }, alice.token)).body.data).toEqual({
      locale: "en"
    })
    expect((await http.put("/api/notifications/settings", { locale: "fr" }, alice.token)).status).toBe(400)
    await topUp(alice.token, 50_000)

    const mails = await mailsTo(alice.email, 2)
    // The welcome went out at registration, in the default language; the top-up after she chose English.
    expect(mails.map((m) => m.subject).sort()).toEqual(
      ["Top-up of Rp\u00a050.000 received", "Selamat datang di MinisPod"].sort()
    )
    expect(mails[0]).toEqual({
      id: expect.any(Number),
      to: alice.email,
      subject: expect.any(String),
      text: expect.any(String),
      html: expect.stringContaining("<html"),
      sentAt: expect.any(String)
    })
    const bobsMail = await mailsTo(bob.email, 1)
    expect(bobsMail.map((m) => m.subject)).toEqual(["Selamat datang di MinisPod"]) // Indonesian by default

    const inbox = (await http.get("/api/notifications", alice.token)).body.data
    expect(inbox.pagination).toEqual({ page: 1, limit: 20, total: 2, totalPages: 1 })
    expect(inbox.unread).toBe(2)
    const [topUpNotice, welcome] = inbox.items
    expect(topUpNotice).toMatchObject({
      kind: "topup_settled",
      title: "Top-up of Rp\u00a050.000 received",
      read: false,
      data: { amount: 50_000 }
    })
    expect(topUpNotice.message).toMatch(/^We received payment TXMP-\d+: Rp\u00a050\.000 was added to your credit\.$/)
    expect(welcome).toMatchObject({ kind: "welcome", title: "Welcome to MinisPod", read: false }) // the inbox renders in today's language

    // Reading the newer one puts the older unread one first.
    expect((await http.put(`/api/notifications/${topUpNotice.id}/read`, {}, alice.token)).status).toBe(200)
    const afterRead = (await http.get("/api/notifications?limit=1&page=1", alice.token)).body.data
    expect(afterRead.items.map((n: { kind: string }) => n.kind)).toEqual(["welcome"])
    expect(afterRead.pagination).toEqual({ page: 1, limit: 1, total: 2, totalPages: 2 })
    expect((await http.get("/api/notifications?limit=1&page=2", alice.token)).body.data.items).toMatchObject([
      { kind: "topup_settled", read: true }
    ])

    // Someone else's notification is not found, and stays unread.
    const bobs = (await http.get("/api/notifications", bob.token)).body.data.items
    expect(bobs.map((n: { kind: string }) => n.kind)).toEqual(["welcome"])
    expect((await http.put(`/api/notifications/${welcome.id}/read`, {}, bob.token)).body.error.code).toBe("NOT_FOUND")
    expect((await http.put(`/api/notifications/${welcome.id}/read`, {}, bob.token)).status).toBe(404)
    expect((await http.put("/api/notifications/not-an-id/read", {}, bob.token)).status).toBe(400)
    expect((await http.get("/api/notifications")).status).toBe(401)

    expect((await http.put("/api/notifications/read-all", {}, alice.token)).body.data).toEqual({ marked: 1 })
    expect((await http.get("/api/notifications", alice.token)).body.data.unread).toBe(0)
    expect((await http.get("/api/notifications", bob.token)).body.data.unread).toBe(1)
  })

  it("administrators see the outbox's delivery state; customers may not", async () => {
    const carol = await customer(http, admin, "carol", 0)
    await mailsTo(carol.email, 1)
    const outbox = await http.get(`/api/admin/notifications?userId=${carol.id}`, admin)
    expect(outbox.status).toBe(200)
    expect(outbox.body.data.items).toEqual([
      expect.objectContaining({
        userId: carol.id,
        kind: "welcome",
        cause: `welcome:${carol.id}`,
        email: { status: "SENT", attempts: 1, nextAttemptAt: null, lastError: null, sentAt: expect.any(String) }
      })
    ])
    expect(outbox.body.data.counts.SENT).toBeGreaterThanOrEqual(1)
    expect(
      (await http.get("/api/admin/notifications?status=SENT&kind=welcome", admin)).body.data.items.length
    ).toBeGreaterThanOrEqual(1)
    expect((await http.get("/api/admin/notifications?status=LOST", admin)).status).toBe(400)
    expect((await http.get("/api/admin/notifications", carol.token)).status).toBe(403)
  })

  it("the mailbox page lists the mails with their values escaped", async () => {
    const registered = (
      await http.post("/api/auth/register", {
        name: "<img src=x onerror=alert(1)>",
        email: `dave-${Date.now()}@example.com`,
        password: "correct horse battery"
      })
    ).body.data
    await mailsTo(registered.user.email, 1)
    const page = await fetch(`${server.baseUrl}/dev/mailbox?to=${encodeURIComponent(registered.user.email)}`)
    const html = await page.text()
    expect(page.headers.get("content-type")).toContain("text/html")
    expect(html).toContain("Selamat datang di MinisPod")
    expect(html).not.toContain("<img src=x")
  })
})

describe("off the simulators", () => {
  it("with SMTP_URL and a real payment mode: mail goes to that SMTP server and no development mailbox exists", async () => {
    const sink = await startSmtpSink()
    // Its own database: a replica sharing the first server's outbox would deliver its mails too.
    const productionDb = await createTestDatabase({ migrate: false })
    const production = await startServer({
      DATABASE_URL: productionDb.url,
      JWT_SECRET: "notify-e2e-secret-notify-e2e-secret",
      MIDTRANS_MODE: "sandbox",
      MIDTRANS_SERVER_KEY: "SB-Mid-server-e2e-not-a-real-key",
      SMTP_URL: sink.url,
      MAIL_FROM: "MinisPod <billing@minispod.test>",
      NOTIFY_POLL_MS: "100"
    })
    try {
      expect(production.output()).toContain("mail: SMTP from SMTP_URL")
      expect(production.output()).not.toContain(sink.url) // the URL may carry credentials: never printed
      const prodHttp = api(production.baseUrl)
      expect((await prodHttp.get("/dev/mailbox/messages")).status).toBe(404)
      expect((await fetch(`${production.baseUrl}/dev/mailbox`)).status).toBe(404)
      const user = newUser("prod")
      expect((await prodHttp.post("/api/auth/register", user)).status).toBe(201)
      for (let i = 0; i < 100 && !sink.received.some((m) => m.rcpt.includes(user.email)); i++)
        await new Promise((r) => setTimeout(r, 100))
      const mail = sink.received.find((m) => m.rcpt.includes(user.email))
      expect(mail?.subject).toBe("Selamat datang di MinisPod")
      expect(mail?.from?.value).toEqual([{ name: "MinisPod", address: "billing@minispod.test" }])
    } finally {
      await production.stop()
      await sink.close()
      await productionDb.drop()
    }
  })
})
