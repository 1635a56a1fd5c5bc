import type { AddressInfo } from "node:net"
import Router from "@koa/router"
import { simpleParser } from "mailparser"
import { SMTPServer } from "smtp-server"
import type { Sql } from "../postgres/client.ts"

/**
 * THE DEVELOPMENT MAILBOX (embedded default, never in production). A real SMTP server
 * (smtp-server) in the MinisPod process on 127.0.0.1: the production nodemailer adapter sends to
 * it over SMTP, it parses what arrives (mailparser) and keeps it in `dev_mailbox`, and
 * `/dev/mailbox` shows it. Nothing leaves the machine.
 */
export interface DevMailbox {
  /** smtp://127.0.0.1:<port> */
  readonly url: string
  readonly close: () => Promise<void>
}

export const startDevMailbox = async (options: {
  readonly sql: Sql
  readonly now: () => Date
}): Promise<DevMailbox> => {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    banner: "MinisPod development mailbox",
    size: 5 * 1024 * 1024,
    logger: false,
    onData: (stream, session, callback) => {
      simpleParser(stream)
        .then(
          (mail) =>
            options.sql`insert into dev_mailbox (message_id, mail_from, rcpt_to, subject, text_body, html_body, received_at)
            values (${mail.messageId ?? null}, ${session.envelope.mailFrom ? session.envelope.mailFrom.address : ""},
              ${session.envelope.rcptTo.map((r) => r.address.toLowerCase())}, ${mail.subject ?? ""}, ${mail.text ?? ""},
              ${typeof mail.html === "string" ? mail.html : ""}, ${options.now()})`
        )
        .then(
          () => callback(),
          (error: Error) => callback(error)
        )
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const { port } = server.server.address() as AddressInfo
  return {
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

export const mailboxPrefix = "/dev/mailbox"

interface MailRow {
  id: number
  rcpt_to: Array<string>
  subject: string
  text_body: string
  html_body: string
  received_at: Date
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const pageParam = (value: unknown, fallback: number, max: number) => {
  const n = Number(value)
  return Number.isInteger(n) && n >= 1 ? Math.min(n, max) : fallback
}

/** `/dev/mailbox` (a page) and `/dev/mailbox/messages?to=` (JSON, newest first, paginated). */
export const makeMailboxRouter = (options: { readonly sql: Sql }) => {
  const { sql } = options
  const router = new Router({ prefix: mailboxPrefix })
  const find = async (to: string | undefined, page: number, limit: number) => {
    const where = to === undefined || to === "" ? sql`true` : sql`${to.toLowerCase()} = any(rcpt_to)`
    const [rows, [count]] = await Promise.all([
      sql<Array<MailRow>>`select id, rcpt_to, subject, text_body, html_body, received_at from dev_mailbox where ${where}
        order by id desc limit ${limit} offset ${(page - 1) * limit}`,
      sql<Array<{ n: number }>>`select count(*)::int as n from dev_mailbox where ${where}`
    ])
    return { rows, total: count?.n ?? 0 }
  }
  router.get("/messages", async (ctx) => {
    const to = typeof ctx.query["to"] === "string" ? ctx.query["to"] : undefined
    const page = pageParam(ctx.query["page"], 1, 1_000_000)
    const limit = pageParam(ctx.query["limit"], 20, 100)
    const { rows, total } = await find(to, page, limit)
    ctx.body = {
      success: true,
      message: "Development mailbox",
      data: {
        items: rows.map((r) => ({
          id: r.id,
          to: r.rcpt_to.join(", "),
          subject: r.subject,
          text: r.text_body,
          html: r.html_body,
          sentAt: r.received_at.toISOString()
        })),
        pagination: { page, limit, total, totalPages: Math.ceil(total / limit) }
      }
    }
  })
  router.get("/", async (ctx) => {
    const to = typeof ctx.query["to"] === "string" ? ctx.query["to"] : undefined
    const { rows, total } = await find(to, 1, 100)
    ctx.type = "text/html; charset=utf-8"
    ctx.body = `<!doctype html><html><head><meta charset="utf-8"><title>MinisPod development mailbox</title>
<style>body{font-family:sans-serif;margin:2em;max-width:60em}details{border:1px solid #ccc;margin:.5em 0;padding:.5em}
iframe{width:100%;height:22em;border:1px solid #eee}pre{white-space:pre-wrap}small{color:#666}</style></head><body>
<h1>Development mailbox</h1>
<p><small>Mails MinisPod sent over SMTP to its in-process development server (never delivered anywhere). ${total} message(s)${to ? ` to ${escapeHtml(to)}` : ""}; newest first.</small></p>
<form><input name="to" placeholder="filter by recipient" value="${escapeHtml(to ?? "")}"> <button>Filter</button></form>
${rows
  .map(
    (
      r
    ) => `<details><summary><b>${escapeHtml(r.subject)}</b> — ${escapeHtml(r.rcpt_to.join(", "))} <small>${r.received_at.toISOString()}</small></summary>
<iframe sandbox srcdoc="${escapeHtml(r.html_body)}"></iframe><pre>${escapeHtml(r.text_body)}</pre></details>`
  )
  .join("\n")}
</body></html>`
  })
  return router
}
