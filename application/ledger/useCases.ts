import { renewAfterCreditQuietly } from "../renewals/useCases.ts"
import { Effect } from "effect"
import { type ChargeCause, chargeReference, topUpReference } from "../../domain/ledger/index.ts"
import type { EventMetadata } from "../ports/eventStore.ts"
import { TransactionIds } from "../ports/ids.ts"
import { type TransactionFilter, WalletQueries } from "../ports/walletQueries.ts"
import { Users } from "../ports/users.ts"
import { TransactionNotFound, UserNotFound } from "../shared/errors.ts"
import { executeWalletCommand } from "./walletStream.ts"

/** gateway:midtrans → wallet, once per payment reference (invariant 3). */
export const creditTopUp = Effect.fn("Ledger.creditTopUp")(function* (
  input: { readonly userId: string; readonly paymentReference: string; readonly amount: number },
  metadata: EventMetadata
) {
  const transactionId = yield* (yield* TransactionIds).next
  return yield* executeWalletCommand(
    input.userId,
    {
      _tag: "CreditTopUp",
      transactionId,
      amount: input.amount,
      reference: topUpReference(input.paymentReference)
    },
    metadata
  )
})

/** wallet → revenue, once per subscription period or upgrade (invariant 5). */
export const chargeWallet = Effect.fn("Ledger.chargeWallet")(function* (
  input: {
    readonly userId: string
    readonly amount: number
    readonly cause: ChargeCause
    readonly description: string
  },
  metadata: EventMetadata
) {
  const transactionId = yield* (yield* TransactionIds).next
  return yield* executeWalletCommand(
    input.userId,
    {
      _tag: "ChargeWallet",
      transactionId,
      amount: input.amount,
      reference: chargeReference(input.cause),
      cause: input.cause,
      description: input.description
    },
    metadata
  )
})

/** revenue → wallet, never more than what is left of the charge (invariant 4). */
export const refundCharge = Effect.fn("Ledger.refundCharge")(function* (
  input: {
    readonly userId: string
    readonly chargeTransactionId: string
    readonly amount: number
    readonly reason: string
    /** Idempotency key of this refund (e.g. the failed provisioning's id). */
    readonly reference: string
  },
  metadata: EventMetadata
) {
  const transactionId = yield* (yield* TransactionIds).next
  return yield* executeWalletCommand(
    input.userId,
    {
      _tag: "RefundCharge",
      transactionId,
      amount: input.amount,
      reference: `refund:${input.reference}`,
      chargeTransactionId: input.chargeTransactionId,
      reason: input.reason
    },
    metadata
  )
})

/** adjustments ↔ wallet by an administrator, with a reason; never below 0. */
export const adjustCredit = Effect.fn("Ledger.adjustCredit")(function* (
  input: {
    readonly userId: string
    readonly amount: number
    readonly reason: string
    readonly adminId: string
    readonly reference: string
  },
  metadata: EventMetadata
) {
  const user = yield* (yield* Users).findById(input.userId)
  if (user === undefined) return yield* new UserNotFound({ userId: input.userId })
  const transactionId = yield* (yield* TransactionIds).next
  const movement = yield* executeWalletCommand(
    input.userId,
    {
      _tag: "AdjustCredit",
      transactionId,
      amount: input.amount,
      reference: `adjust:${input.reference}`,
      adminId: input.adminId,
      reason: input.reason
    },
    { ...metadata, actor: input.adminId, reason: input.reason }
  )
  if (movement.applied && input.amount > 0) yield* renewAfterCreditQuietly(input.userId)
  return movement
})

/** promotions → wallet, once per redemption. */
export const grantCouponCredit = Effect.fn("Ledger.grantCouponCredit")(function* (
  input: {
    readonly userId: string
    readonly amount: number
    readonly couponCode: string
    readonly redemptionId: string
  },
  metadata: EventMetadata
) {
  const transactionId = yield* (yield* TransactionIds).next
  return yield* executeWalletCommand(
    input.userId,
    {
      _tag: "GrantCouponCredit",
      transactionId,
      amount: input.amount,
      reference: `coupon:${input.redemptionId}`,
      couponCode: input.couponCode
    },
    metadata
  )
})

export const getWalletInfo = Effect.fn("Ledger.getWalletInfo")(function* (userId: string) {
  return yield* (yield* WalletQueries).summary(userId)
})

export const listWalletTransactions = Effect.fn("Ledger.listWalletTransactions")(function* (
  userId: string,
  filter: TransactionFilter
) {
  return yield* (yield* WalletQueries).transactions(userId, filter)
})

/** The caller's own entry only: another user's transaction is indistinguishable from none. */
export const getWalletTransaction = Effect.fn("Ledger.getWalletTransaction")(function* (
  userId: string,
  transactionId: string
) {
  const entry = yield* (yield* WalletQueries).transaction(userId, transactionId)
  if (entry === undefined) return yield* new TransactionNotFound({ transactionId })
  return entry
})
