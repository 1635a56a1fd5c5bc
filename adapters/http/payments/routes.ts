import { Effect } from "effect"
import * as Payments from "../../../application/payment/useCases.ts"
import type { PaymentView } from "../../../application/ports/paymentQueries.ts"
import { ok, route } from "../route.ts"
import { NotificationOutcome, pageSlice, Paginated, Payment, PaymentMethod, TopUp } from "../responses.ts"
import { PageListQuery, TransactionIdParams } from "../schemas.ts"
import { MidtransNotificationBody, TopUpBody, topUpLimits } from "./schemas.ts"

const paymentView = (p: PaymentView) => ({
  transactionId: p.orderId,
  amount: p.amount,
  paymentMethod: p.paymentMethod,
  status: p.status,
  gatewayStatus: p.gatewayStatus,
  snapToken: p.snapToken,
  redirectUrl: p.redirectUrl,
  reversedAmount: p.reversedAmount,
  expiresAt: p.expiresAt,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt
})

const methods = [
  {
    code: "BANK_TRANSFER",
    name: "Bank transfer (virtual account)",
    channels: ["BCA", "BNI", "BRI", "Mandiri", "Permata"]
  },
  { code: "E_WALLET", name: "E-wallet", channels: ["GoPay", "ShopeePay"] },
  { code: "CREDIT_CARD", name: "Credit card", channels: ["Visa", "Mastercard"] },
  { code: "QRIS", name: "QRIS", channels: ["QRIS"] }
].map((m) => ({ ...m, minAmount: topUpLimits.min, maxAmount: topUpLimits.max, currency: "IDR" }))

const midtransWebhook = (path: string, deprecated: boolean) =>
  route({
    method: "post",
    path,
    summary: deprecated
      ? "Deprecated alias of POST /api/webhooks/midtrans (the earlier version's path)"
      : "Midtrans payment notification (signature verified)",
    tag: "webhooks",
    access: "public",
    response: NotificationOutcome,
    body: MidtransNotificationBody,
    acceptsUnknownFields: true,
    deprecated,
    handle: ({ body, requestId }) =>
      Effect.map(Payments.handleMidtransNotification(body, { actor: "midtrans", correlationId: requestId }), (r) =>
        ok(r.applied ? "Notification applied" : "Notification already applied", r)
      )
  })

export const paymentRoutes = [
  route({
    method: "post",
    path: "/api/wallet/topup",
    summary: "Start a top-up through Midtrans Snap",
    tag: "wallet",
    access: "user",
    response: TopUp,
    body: TopUpBody,
    idempotent: true,
    handle: ({ principal, body, requestId }) =>
      Effect.map(
        Payments.requestTopUp(
          { userId: principal.userId, amount: body.amount, paymentMethod: body.paymentMethod },
          { actor: principal.userId, correlationId: requestId }
        ),
        (t) => ok("Top-up created", t, 201)
      )
  }),
  route({
    method: "get",
    path: "/api/wallet/payment-methods",
    summary: "Payment methods and their limits",
    tag: "wallet",
    access: "user",
    response: Paginated(PaymentMethod),
    query: PageListQuery,
    handle: ({ query }) => Effect.succeed(ok("Payment methods", pageSlice(methods, query)))
  }),
  route({
    method: "get",
    path: "/api/wallet/transactions/:id/status",
    summary: "Refresh a top-up from the gateway",
    tag: "wallet",
    access: "user",
    response: Payment,
    params: TransactionIdParams,
    handle: ({ principal, params, requestId }) =>
      Effect.map(
        Payments.refreshTopUp(principal.userId, params.id, { actor: principal.userId, correlationId: requestId }),
        (p) => ok("Top-up status", paymentView(p))
      )
  }),
  route({
    method: "post",
    path: "/api/wallet/transactions/:id/cancel",
    summary: "Cancel one of the caller's pending top-ups",
    tag: "wallet",
    access: "user",
    response: Payment,
    params: TransactionIdParams,
    handle: ({ principal, params, requestId }) =>
      Effect.map(
        Payments.cancelTopUp(principal.userId, params.id, { actor: principal.userId, correlationId: requestId }),
        (p) => ok("Top-up cancelled", paymentView(p))
      )
  }),
  midtransWebhook("/api/webhooks/midtrans", false),
  // The earlier version's paths, so a Midtrans dashboard configured for it keeps crediting wallets.
  midtransWebhook("/api/webhooks/midtrans/notification", true),
  midtransWebhook("/api/wallet/webhook/midtrans", true)
]
