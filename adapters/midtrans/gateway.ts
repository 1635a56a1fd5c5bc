import { Effect, Layer } from "effect"
import midtransClient from "midtrans-client"
import {
  GatewayRejected,
  type GatewayTransaction,
  GatewayUnavailable,
  PaymentGateway,
  type SnapRequest
} from "../../application/ports/paymentGateway.ts"
import { midtransSignature, signatureMatches } from "./signature.ts"

export interface MidtransOptions {
  readonly serverKey: string
  readonly clientKey: string
  readonly isProduction: boolean
  /** Overrides of the client's static base URLs (a fake server in tests, the local simulator). */
  readonly coreBaseUrl?: (() => string) | undefined
  readonly snapBaseUrl?: (() => string) | undefined
  readonly timeoutMs: number
  readonly callbacks: {
    readonly finish?: string | undefined
    readonly unfinish?: string | undefined
    readonly error?: string | undefined
  }
  readonly expiryMinutes: number
  /** MIDTRANS_NOTIFICATION_URL: sent with every Snap creation as X-Override-Notification, so each environment gets its own webhooks. */
  readonly notificationUrl?: string | undefined
}

const enabledPayments: Record<SnapRequest["paymentMethod"], ReadonlyArray<string>> = {
  BANK_TRANSFER: ["bca_va", "bni_va", "bri_va", "permata_va", "echannel", "other_va"],
  E_WALLET: ["gopay", "shopeepay"],
  CREDIT_CARD: ["credit_card"],
  QRIS: ["other_qris"]
}

/** MidtransError → typed error: no response or 5xx is "unavailable", 4xx is "rejected". */
const classify = (operation: string) => (error: unknown) => {
  const status = (error as { httpStatusCode?: number | null }).httpStatusCode
  return typeof status === "number" && status >= 400 && status < 500
    ? new GatewayRejected({ operation, statusCode: status })
    : new GatewayUnavailable({ operation })
}

const str = (value: unknown) =>
  typeof value === "string" ? value : value === undefined || value === null ? undefined : String(value)

export const toGatewayTransaction = (body: Record<string, unknown>, orderId: string): GatewayTransaction => ({
  orderId: str(body["order_id"]) ?? orderId,
  transactionStatus: str(body["transaction_status"]) ?? "unknown",
  fraudStatus: str(body["fraud_status"]),
  statusCode: str(body["status_code"]) ?? "",
  grossAmount: str(body["gross_amount"]) ?? "",
  refundAmount: str(body["refund_amount"]),
  refundKey: str(body["refund_key"])
})

/** The Midtrans gateway through the official client (Snap + Core API). */
export const PaymentGatewayMidtrans = (options: MidtransOptions) => {
  const config = { isProduction: options.isProduction, serverKey: options.serverKey, clientKey: options.clientKey }
  const snap = new midtransClient.Snap(config)
  const core = new midtransClient.CoreApi(config)
  if (options.snapBaseUrl) snap.apiConfig.getSnapApiBaseUrl = options.snapBaseUrl
  if (options.coreBaseUrl) core.apiConfig.getCoreApiBaseUrl = options.coreBaseUrl
  snap.httpClient.http_client.defaults.timeout = options.timeoutMs
  core.httpClient.http_client.defaults.timeout = options.timeoutMs
  // The Snap client only creates transactions: the header rides on each of them.
  if (options.notificationUrl)
    snap.httpClient.http_client.defaults.headers.common["X-Override-Notification"] = options.notificationUrl

  return Layer.succeed(
    PaymentGateway,
    PaymentGateway.of({
      createSnap: (request) =>
        Effect.tryPromise({
          try: () =>
            snap.createTransaction({
              transaction_details: { order_id: request.orderId, gross_amount: request.amount },
              item_details: [
                { id: "topup-credit", price: request.amount, quantity: 1, name: "MinisPod credit top-up" }
              ],
              customer_details: {
                first_name: request.customer.name,
                email: request.customer.email,
                ...(request.customer.phone ? { phone: request.customer.phone } : {})
              },
              enabled_payments: enabledPayments[request.paymentMethod],
              expiry: { unit: "minutes", duration: options.expiryMinutes },
              callbacks: {
                ...(options.callbacks.finish ? { finish: options.callbacks.finish } : {}),
                ...(options.callbacks.unfinish ? { unfinish: options.callbacks.unfinish } : {}),
                ...(options.callbacks.error ? { error: options.callbacks.error } : {})
              }
            }),
          catch: classify("snap.createTransaction")
        }).pipe(Effect.map((r) => ({ token: r.token, redirectUrl: r.redirect_url }))),
      status: (orderId) =>
        Effect.tryPromise({ try: () => core.transaction.status(orderId), catch: (error) => error }).pipe(
          Effect.map((body) => toGatewayTransaction(body, orderId)),
          Effect.catchAll((error) => {
            const typed = classify("transaction.status")(error)
            return typed._tag === "GatewayRejected" && typed.statusCode === 404
              ? Effect.succeed(undefined)
              : Effect.fail(new GatewayUnavailable({ operation: "transaction.status" }))
          })
        ),
      cancel: (orderId) =>
        Effect.tryPromise({ try: () => core.transaction.cancel(orderId), catch: classify("transaction.cancel") }).pipe(
          Effect.asVoid
        ),
      verifySignature: (fields) =>
        Effect.sync(() =>
          signatureMatches(
            midtransSignature(fields.orderId, fields.statusCode, fields.grossAmount, options.serverKey),
            fields.signatureKey
          )
        )
    })
  )
}
