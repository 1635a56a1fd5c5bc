import type { AddressInfo } from "node:net"
import { type ParsedMail, simpleParser } from "mailparser"
import { SMTPServer } from "smtp-server"

export interface SmtpSink {
  readonly url: string
  readonly received: Array<ParsedMail & { readonly rcpt: ReadonlyArray<string> }>
  /** While > 0, each message is refused with a temporary error (and the counter drops). */
  refuseNext: number
  readonly close: () => Promise<void>
}

/** A real SMTP server (smtp-server) on 127.0.0.1 that keeps what it receives, parsed. */
export const startSmtpSink = async (): Promise<SmtpSink> => {
  const sink: SmtpSink = {
    url: "",
    received: [],
    refuseNext: 0,
    close: async () => {}
  }
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo: (_address, _session, callback) => {
      if (sink.refuseNext > 0) {
        sink.refuseNext--
        return callback(Object.assign(new Error("mailbox busy, try later"), { responseCode: 451 }))
      }
      callback()
    },
    onData: (stream, session, callback) => {
      simpleParser(stream).then((mail) => {
        sink.received.push(Object.assign(mail, { rcpt: session.envelope.rcptTo.map((r) => r.address) }))
        callback()
      }, callback)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))
  const { port } = server.server.address() as AddressInfo
  return Object.assign(sink, {
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  })
}
