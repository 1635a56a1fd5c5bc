import { Schema } from "effect"
import { PositiveRupiah } from "../shared/index.ts"

/** Human transaction id from a database sequence, e.g. TXMP-101. */
export const TransactionId = Schema.String.pipe(Schema.pattern(/^TXMP-\d+$/))

const NonEmpty = Schema.String.pipe(Schema.minLength(1))

/** What a wallet debit pays for: a subscription period or an upgrade. */
export const ChargeCause = Schema.Union(
  Schema.TaggedStruct("SubscriptionPeriod", {
    subscriptionId: NonEmpty,
    periodStart: NonEmpty
  }),
  Schema.TaggedStruct("Upgrade", {
    subscriptionId: NonEmpty,
    upgradeId: NonEmpty
  })
)
export type ChargeCause = typeof ChargeCause.Type

/** gateway:midtrans → wallet. `reference` is the payment (Midtrans order id). */
export const TopUpCredited = Schema.TaggedStruct("TopUpCredited", {
  transactionId: TransactionId,
  amount: PositiveRupiah,
  reference: NonEmpty
})

/** wallet → revenue:subscriptions. */
export const WalletCharged = Schema.TaggedStruct("WalletCharged", {
  transactionId: TransactionId,
  amount: PositiveRupiah,
  reference: NonEmpty,
  cause: ChargeCause,
  description: Schema.String
})

/** revenue:subscriptions → wallet, bounded by what is left of the charge. */
export const ChargeRefunded = Schema.TaggedStruct("ChargeRefunded", {
  transactionId: TransactionId,
  amount: PositiveRupiah,
  reference: NonEmpty,
  chargeTransactionId: TransactionId,
  reason: NonEmpty
})

/** adjustments ↔ wallet, by an administrator, always with a reason. */
export const CreditAdjusted = Schema.TaggedStruct("CreditAdjusted", {
  transactionId: TransactionId,
  direction: Schema.Literal("CREDIT", "DEBIT"),
  amount: PositiveRupiah,
  reference: NonEmpty,
  adminId: NonEmpty,
  reason: NonEmpty
})

/** promotions → wallet, from a CREDIT_TOPUP coupon redemption. */
export const CouponCreditGranted = Schema.TaggedStruct("CouponCreditGranted", {
  transactionId: TransactionId,
  amount: PositiveRupiah,
  reference: NonEmpty,
  couponCode: NonEmpty
})

/** wallet → gateway:midtrans: a settled top-up refunded or charged back by the gateway. */
export const TopUpReversed = Schema.TaggedStruct("TopUpReversed", {
  transactionId: TransactionId,
  amount: PositiveRupiah,
  reference: NonEmpty,
  orderId: NonEmpty,
  kind: Schema.Literal("refund", "partial_refund", "chargeback")
})

/** Why a period or an upgrade was granted without charge. */
export const FreeGrantReason = Schema.Literal("BONUS", "FREE_SERVICE")
export type FreeGrantReason = typeof FreeGrantReason.Type

/**
 * A free grant on record: a bonus or FREE_SERVICE period, or a bonus upgrade, written as a
 * 0-rupiah charge (wallet → revenue, nothing moves) so the user's history and the audit show it.
 */
export const FreeGrantRecorded = Schema.TaggedStruct("FreeGrantRecorded", {
  transactionId: TransactionId,
  amount: Schema.Literal(0),
  reference: NonEmpty,
  cause: ChargeCause,
  reason: FreeGrantReason,
  description: Schema.String
})

export const WalletEvent = Schema.Union(
  FreeGrantRecorded,
  TopUpCredited,
  TopUpReversed,
  WalletCharged,
  ChargeRefunded,
  CreditAdjusted,
  CouponCreditGranted
)
export type WalletEvent = typeof WalletEvent.Type
