import type { ChargeCause, FreeGrantReason } from "./events.ts"

/**
 * Every command carries a `reference`: the idempotency key of the movement it asks for
 * (a payment order id, a subscription period, a refund id, an Idempotency-Key…).
 * A command whose reference was already applied to the wallet decides to no events.
 */
export type WalletCommand =
  | {
      readonly _tag: "CreditTopUp"
      readonly transactionId: string
      readonly amount: number
      readonly reference: string
    }
  | {
      readonly _tag: "ChargeWallet"
      readonly transactionId: string
      readonly amount: number
      readonly reference: string
      readonly cause: ChargeCause
      readonly description: string
    }
  | {
      readonly _tag: "RefundCharge"
      readonly transactionId: string
      readonly amount: number
      readonly reference: string
      readonly chargeTransactionId: string
      readonly reason: string
    }
  | {
      readonly _tag: "AdjustCredit"
      readonly transactionId: string
      /** Signed: positive credits the wallet, negative debits it. */
      readonly amount: number
      readonly reference: string
      readonly adminId: string
      readonly reason: string
    }
  | {
      readonly _tag: "ReverseTopUp"
      readonly transactionId: string
      readonly amount: number
      readonly reference: string
      readonly orderId: string
      readonly kind: "refund" | "partial_refund" | "chargeback"
    }
  | {
      /** A free period or upgrade on record at 0 rupiah; its reference is the charge's it replaces. */
      readonly _tag: "RecordFreeGrant"
      readonly transactionId: string
      readonly reference: string
      readonly cause: ChargeCause
      readonly reason: FreeGrantReason
      readonly description: string
    }
  | {
      readonly _tag: "GrantCouponCredit"
      readonly transactionId: string
      readonly amount: number
      readonly reference: string
      readonly couponCode: string
    }

/** The idempotency key of a top-up credit: one per external payment (invariant 3). */
export const topUpReference = (paymentReference: string): string => `topup:${paymentReference}`
export const paymentOfTopUpReference = (reference: string): string =>
  reference.startsWith("topup:") ? reference.slice("topup:".length) : reference

/** The idempotency key of a charge: one per subscription period, one per upgrade (invariant 5). */
export const chargeReference = (cause: ChargeCause): string =>
  cause._tag === "SubscriptionPeriod"
    ? `period:${cause.subscriptionId}:${cause.periodStart}`
    : `upgrade:${cause.subscriptionId}:${cause.upgradeId}`

/** A refund of a charge, keyed by what asked for it (e.g. the failed provisioning's id). */
export const refundReference = (key: string): string => `refund:${key}`
/** The refund of one charge when its subscription is cancelled. */
export const cancellationRefundReference = (subscriptionId: string, chargeTransactionId: string): string =>
  `cancel:${subscriptionId}:${chargeTransactionId}`
/** The refund of one charge when its subscription's provisioning failed. */
export const provisioningFailureRefundReference = (subscriptionId: string, chargeTransactionId: string): string =>
  `provisioning-failed:${subscriptionId}:${chargeTransactionId}`
/** An administrator's refund: each is new, keyed by its own transaction id. */
export const adminRefundReference = (refundTransactionId: string): string => `admin-refund:${refundTransactionId}`
export const adjustmentReference = (key: string): string => `adjust:${key}`
export const couponCreditReference = (redemptionId: string): string => `coupon:${redemptionId}`
/** A gateway's refund or chargeback of a top-up, once per gateway key. */
export const reversalReference = (orderId: string, key: string): string => `reversal:${orderId}:${key}`
