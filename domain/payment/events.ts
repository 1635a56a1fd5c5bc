import { Schema } from "effect"
import { PositiveRupiah } from "../shared/index.ts"

export const PaymentMethod = Schema.Literal("BANK_TRANSFER", "E_WALLET", "CREDIT_CARD", "QRIS")
export type PaymentMethod = typeof PaymentMethod.Type

export const ReversalKind = Schema.Literal("refund", "partial_refund", "chargeback")

/** The user asked to top up; the order id is the transaction's TXMP-<n>. */
export const TopUpRequested = Schema.TaggedStruct("TopUpRequested", {
  orderId: Schema.String,
  userId: Schema.String,
  amount: PositiveRupiah,
  paymentMethod: PaymentMethod,
  expiresAt: Schema.String
})

export const SnapTransactionCreated = Schema.TaggedStruct("SnapTransactionCreated", {
  orderId: Schema.String,
  snapToken: Schema.String,
  redirectUrl: Schema.String
})

/** Snap refused or was unreachable: the top-up is over before any money moved. */
export const SnapTransactionFailed = Schema.TaggedStruct("SnapTransactionFailed", {
  orderId: Schema.String,
  reason: Schema.String
})

/** The gateway holds the money: the wallet is credited in the same transaction. */
export const PaymentSettled = Schema.TaggedStruct("PaymentSettled", {
  orderId: Schema.String,
  gatewayStatus: Schema.String,
  creditTransactionId: Schema.String
})

export const PaymentFailed = Schema.TaggedStruct("PaymentFailed", {
  orderId: Schema.String,
  gatewayStatus: Schema.String
})

export const TopUpCancelled = Schema.TaggedStruct("TopUpCancelled", {
  orderId: Schema.String,
  by: Schema.String
})

export const TopUpExpired = Schema.TaggedStruct("TopUpExpired", {
  orderId: Schema.String
})

/**
 * The gateway took money back after settlement. `debited` left the wallet; `shortfall` is what
 * the wallet could not cover (it never goes below 0) and is flagged for an administrator.
 */
export const PaymentReversed = Schema.TaggedStruct("PaymentReversed", {
  orderId: Schema.String,
  kind: ReversalKind,
  key: Schema.String,
  amount: PositiveRupiah,
  debited: Schema.Int,
  shortfall: Schema.Int,
  debitTransactionId: Schema.NullOr(Schema.String)
})

export const PaymentEvent = Schema.Union(
  TopUpRequested,
  SnapTransactionCreated,
  SnapTransactionFailed,
  PaymentSettled,
  PaymentFailed,
  TopUpCancelled,
  TopUpExpired,
  PaymentReversed
)
export type PaymentEvent = typeof PaymentEvent.Type
