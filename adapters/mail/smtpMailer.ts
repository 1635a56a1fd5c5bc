import { Effect, Layer } from "effect"
import nodemailer from "nodemailer"
import { MailDeliveryFailed, Mailer } from "../../application/ports/notifications.ts"

export interface SmtpOptions {
  /** smtp:// or smtps:// URL, credentials included (never logged). */
  readonly url: string
  readonly from: string
  readonly timeoutMs: number
}

/** Email over SMTP with nodemailer: the production path, also what the development mailbox receives. */
export const MailerSmtp = (options: SmtpOptions) =>
  Layer.scoped(
    Mailer,
    Effect.map(
      Effect.acquireRelease(
        Effect.sync(() =>
          nodemailer.createTransport(
            {
              url: options.url,
              connectionTimeout: options.timeoutMs,
              greetingTimeout: options.timeoutMs,
              socketTimeout: options.timeoutMs
            },
            { from: options.from }
          )
        ),
        (transport) => Effect.sync(() => transport.close())
      ),
      (transport) =>
        Mailer.of({
          send: (mail) =>
            Effect.tryPromise({
              try: () =>
                transport.sendMail({
                  to: mail.to,
                  subject: mail.subject,
                  text: mail.text,
                  html: mail.html,
                  messageId: mail.messageId
                }),
              // The server's reply or the socket error; nodemailer does not put credentials in it.
              catch: (error) =>
                new MailDeliveryFailed({ reason: error instanceof Error ? error.message : String(error) })
            }).pipe(Effect.asVoid)
        })
    )
  )
