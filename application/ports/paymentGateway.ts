import { Context, Schema, type Effect } from "effect"
import type { PaymentMethod } from "../../domain/payment/index.ts"

export interface SnapRequest {
  readonly orderId: string
  readonly amount: number
  readonly paymentMethod: PaymentMethod
  readonly customer: { readonly name: string; readonly email: string; readonly phone: string | null }
}

/** What the gateway says about one order (Midtrans status API or notification fields). */
export interface GatewayTransaction {
  readonly orderId: string
  readonly transactionStatus: string
  readonly fraudStatus: string | undefined
  readonly statusCode: string
  /** Exactly as sent, e.g. "100000.00". */
  readonly grossAmount: string
  readonly refundAmount?: string | undefined
  readonly refundKey?: string | undefined
}

export interface SignedNotificationFields {
  readonly orderId: string
  readonly statusCode: string
  readonly grossAmount: string
  readonly signatureKey: string
}

export class GatewayUnavailable extends Schema.TaggedError<GatewayUnavailable>()("GatewayUnavailable", {
  operation: Schema.String
}) {}

export class GatewayRejected extends Schema.TaggedError<GatewayRejected>()("GatewayRejected", {
  operation: Schema.String,
  statusCode: Schema.Number
}) {}

export interface PaymentGatewayService {
  readonly createSnap: (
    request: SnapRequest
  ) => Effect.Effect<{ readonly token: string; readonly redirectUrl: string }, GatewayUnavailable | GatewayRejected>
  /** undefined when the gateway does not know the order (404). */
  readonly status: (orderId: string) => Effect.Effect<GatewayTransaction | undefined, GatewayUnavailable>
  readonly cancel: (orderId: string) => Effect.Effect<void, GatewayUnavailable | GatewayRejected>
  /** SHA512(order_id + status_code + gross_amount + server_key), compared in constant time. */
  readonly verifySignature: (fields: SignedNotificationFields) => Effect.Effect<boolean>
}

export class PaymentGateway extends Context.Tag("app/PaymentGateway")<PaymentGateway, PaymentGatewayService>() {}
