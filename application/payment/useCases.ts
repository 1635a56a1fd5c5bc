import { Clock, Context, Effect, Either } from "effect"
import { walletStreamId } from "../../domain/ledger/index.ts"
import {
  decideGatewayReport,
  decidePayment,
  GatewayAmountMismatch,
  type PaymentCommand,
  type PaymentMethod,
  paymentStreamId
} from "../../domain/payment/index.ts"
import type { EventMetadata } from "../ports/eventStore.ts"
import { TransactionIds } from "../ports/ids.ts"
import { type GatewayTransaction, PaymentGateway } from "../ports/paymentGateway.ts"
import { renewAfterCreditQuietly } from "../renewals/useCases.ts"
import { LeaderLock, PaymentQueries, type PaymentView } from "../ports/paymentQueries.ts"
import { Users } from "../ports/users.ts"
import { nowIso } from "../shared/clock.ts"
import { bind, decideOn, paymentStream, walletStream } from "../shared/streams.ts"
import { FieldInvalid, TransactionNotFound, UserNotFound } from "../shared/errors.ts"
import { InvalidSignature, PaymentNotFound } from "./errors.ts"

export interface PaymentPolicyService {
  readonly topUpExpirySeconds: number
  /** Confirm every verified notification with the gateway's status API before applying it. */
  readonly confirmWithStatusApi: boolean
}
export class PaymentPolicy extends Context.Tag("app/PaymentPolicy")<PaymentPolicy, PaymentPolicyService>() {}

/** Midtrans amounts are strings like "100000.00": integer rupiah only, exactly. */
export const parseRupiah = (value: string): number | undefined => {
  const match = /^(\d{1,15})(?:\.0{1,2})?$/.exec(value)
  return match ? Number(match[1]) : undefined
}

/** A payment-only command (no money moves). */
const runPaymentCommand = (orderId: string, command: PaymentCommand, metadata: EventMetadata) =>
  decideOn(
    { payment: bind(paymentStream, paymentStreamId(orderId)) },
    ({ payment }) =>
      Either.map(decidePayment(command, payment), (events) => ({ events: { payment: events }, result: undefined })),
    metadata
  )

/**
 * Applies what the gateway says about a payment: the payment's state machine and the wallet
 * move in one transaction (settlement credits, reversal debits), so a credit happens exactly
 * once whatever the number, order or concurrency of reports.
 */
export const applyGatewayTransaction = Effect.fn("Payments.applyGatewayTransaction")(function* (
  payment: PaymentView,
  transaction: GatewayTransaction,
  metadata: EventMetadata
) {
  const grossAmount = parseRupiah(transaction.grossAmount)
  if (grossAmount === undefined)
    return yield* new FieldInvalid({ field: "gross_amount", problem: "is not an integer rupiah amount" })
  const reversalAmount = transaction.refundAmount === undefined ? undefined : parseRupiah(transaction.refundAmount)
  const debitTransactionId = yield* (yield* TransactionIds).next
  const report = {
    transactionStatus: transaction.transactionStatus,
    fraudStatus: transaction.fraudStatus,
    grossAmount,
    reversalAmount,
    reversalKey: transaction.refundKey
  }
  const { applied, settled } = yield* decideOn(
    {
      payment: bind(paymentStream, paymentStreamId(payment.orderId)),
      wallet: bind(walletStream, walletStreamId(payment.userId))
    },
    (states) => decideGatewayReport(states, { report, creditTransactionId: payment.orderId, debitTransactionId }),
    metadata
  )
  // Credit reached the wallet: an unpaid renewal is paid now, not at the next scheduler tick.
  if (settled) yield* renewAfterCreditQuietly(payment.userId)
  return { applied }
})

export const requestTopUp = Effect.fn("Payments.requestTopUp")(function* (
  input: { readonly userId: string; readonly amount: number; readonly paymentMethod: PaymentMethod },
  metadata: EventMetadata
) {
  const user = yield* (yield* Users).findById(input.userId)
  if (user === undefined) return yield* new UserNotFound({ userId: input.userId })
  const provisionalOrderId = yield* (yield* TransactionIds).next
  const now = yield* Clock.currentTimeMillis
  const expiresAt = new Date(now + (yield* PaymentPolicy).topUpExpirySeconds * 1000).toISOString()
  const request: PaymentCommand = {
    _tag: "RequestTopUp",
    orderId: provisionalOrderId,
    userId: user.id,
    amount: input.amount,
    paymentMethod: input.paymentMethod,
    expiresAt
  }
  // The order id is the top-up's TXMP number, taken as the request was written (the store numbers the result).
  const { orderId } = yield* decideOn(
    { payment: bind(paymentStream, paymentStreamId(provisionalOrderId)) },
    ({ payment }) =>
      Either.map(decidePayment(request, payment), (events) => ({
        events: { payment: events },
        result: { orderId: provisionalOrderId }
      })),
    metadata
  )
  const snap = yield* Effect.either(
    (yield* PaymentGateway).createSnap({
      orderId,
      amount: input.amount,
      paymentMethod: input.paymentMethod,
      customer: { name: user.name, email: user.email, phone: user.phone }
    })
  )
  if (Either.isLeft(snap)) {
    yield* runPaymentCommand(orderId, { _tag: "RecordSnapFailure", reason: snap.left._tag }, metadata)
    return yield* snap.left
  }
  yield* runPaymentCommand(
    orderId,
    { _tag: "RecordSnapTransaction", snapToken: snap.right.token, redirectUrl: snap.right.redirectUrl },
    metadata
  )
  return {
    transactionId: orderId,
    amount: input.amount,
    status: "PENDING" as const,
    snapToken: snap.right.token,
    redirectUrl: snap.right.redirectUrl,
    expiresAt
  }
})

export interface MidtransNotification {
  readonly order_id: string
  readonly status_code: string
  readonly gross_amount: string
  readonly signature_key: string
  readonly transaction_status: string
  readonly fraud_status?: string | undefined
  readonly refund_amount?: string | undefined
  readonly refund_key?: string | undefined
}

/**
 * What an unconfirmed notification may do: the signature covers order_id, status_code and
 * gross_amount only, so the one status it can vouch for is a settlement (status_code 200, which
 * only settles a pending order: nothing moves a settled payment backwards through a settlement).
 */
export const signatureCovers = (t: GatewayTransaction) =>
  t.statusCode === "200" &&
  (t.transactionStatus === "settlement" || (t.transactionStatus === "capture" && t.fraudStatus === "accept"))

/** POST /api/webhooks/midtrans: verify, check against our order, confirm, apply. */
export const handleMidtransNotification = Effect.fn("Payments.handleMidtransNotification")(function* (
  notification: MidtransNotification,
  metadata: EventMetadata
) {
  const gateway = yield* PaymentGateway
  const signed = yield* gateway.verifySignature({
    orderId: notification.order_id,
    statusCode: notification.status_code,
    grossAmount: notification.gross_amount,
    signatureKey: notification.signature_key
  })
  if (!signed) {
    yield* Effect.logWarning("midtrans notification with a bad signature refused").pipe(
      Effect.annotateLogs({ orderId: notification.order_id })
    )
    return yield* new InvalidSignature()
  }
  const payment = yield* (yield* PaymentQueries).find(notification.order_id)
  if (payment === undefined) {
    yield* Effect.logWarning("midtrans notification for an unknown order refused").pipe(
      Effect.annotateLogs({ orderId: notification.order_id })
    )
    return yield* new PaymentNotFound({ orderId: notification.order_id })
  }
  const gross = parseRupiah(notification.gross_amount)
  if (gross !== payment.amount) {
    yield* Effect.logWarning("midtrans notification amount differs from the order").pipe(
      Effect.annotateLogs({ orderId: payment.orderId })
    )
    return yield* new GatewayAmountMismatch({
      orderId: payment.orderId,
      expected: payment.amount,
      reported: gross ?? -1
    })
  }
  const fromNotification: GatewayTransaction = {
    orderId: notification.order_id,
    transactionStatus: notification.transaction_status,
    fraudStatus: notification.fraud_status,
    statusCode: notification.status_code,
    grossAmount: notification.gross_amount,
    refundAmount: notification.refund_amount,
    refundKey: notification.refund_key
  }
  const confirmed = (yield* PaymentPolicy).confirmWithStatusApi ? yield* gateway.status(payment.orderId) : undefined
  if (confirmed === undefined && !signatureCovers(fromNotification)) {
    // Unconfirmed, only what the signature covers is believed: its status_code, not transaction_status.
    // A signed settlement body replayed as "refund" must not move money; reconciliation asks the status API.
    yield* Effect.logWarning(
      "unconfirmed midtrans notification not applied: its status is not covered by the signature"
    ).pipe(Effect.annotateLogs({ orderId: payment.orderId, transactionStatus: notification.transaction_status }))
    return { orderId: payment.orderId, applied: false }
  }
  const outcome = yield* applyGatewayTransaction(payment, confirmed ?? fromNotification, metadata)
  return { orderId: payment.orderId, applied: outcome.applied }
})

const ownPayment = Effect.fn("Payments.ownPayment")(function* (userId: string, orderId: string) {
  const payment = yield* (yield* PaymentQueries).find(orderId)
  if (payment === undefined || payment.userId !== userId)
    return yield* new TransactionNotFound({ transactionId: orderId })
  return payment
})

/** GET /api/wallet/transactions/:id/status: asks the gateway about a pending top-up. */
export const refreshTopUp = Effect.fn("Payments.refreshTopUp")(function* (
  userId: string,
  orderId: string,
  metadata: EventMetadata
) {
  const payment = yield* ownPayment(userId, orderId)
  if (payment.status === "PENDING") yield* reconcilePayment(payment, metadata)
  return (yield* (yield* PaymentQueries).find(orderId))!
})

/** POST /api/wallet/transactions/:id/cancel: the owner's pending top-up only. */
export const cancelTopUp = Effect.fn("Payments.cancelTopUp")(function* (
  userId: string,
  orderId: string,
  metadata: EventMetadata
) {
  yield* ownPayment(userId, orderId)
  yield* runPaymentCommand(orderId, { _tag: "CancelTopUp", by: userId }, metadata).pipe(
    Effect.zipLeft(
      (yield* PaymentGateway).cancel(orderId).pipe(
        // Best effort: if the money arrives anyway, the settlement still credits the wallet.
        Effect.catchAll((error) =>
          Effect.logWarning("gateway cancel failed").pipe(Effect.annotateLogs({ orderId, error: error._tag }))
        )
      )
    )
  )
  return (yield* (yield* PaymentQueries).find(orderId))!
})

/** Asks the gateway about one pending payment and applies the answer; expires it when due. */
const reconcilePayment = Effect.fn("Payments.reconcilePayment")(function* (
  payment: PaymentView,
  metadata: EventMetadata
) {
  const transaction = yield* (yield* PaymentGateway).status(payment.orderId)
  if (transaction !== undefined) return yield* applyGatewayTransaction(payment, transaction, metadata)
  yield* runPaymentCommand(payment.orderId, { _tag: "ExpireTopUp", now: yield* nowIso }, metadata)
  return { applied: false }
})

/** The reconciliation job: every pending payment older than `age`, on one replica at a time. */
export const reconcilePendingPayments = Effect.fn("Payments.reconcilePendingPayments")(function* (input: {
  readonly olderThanSeconds: number
  readonly limit: number
}) {
  const counts = { checked: 0, failed: 0 }
  const ran = yield* (yield* LeaderLock).runIfLeader(
    "payments.reconcile",
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const pending = yield* (yield* PaymentQueries).pending(new Date(now - input.olderThanSeconds * 1000), input.limit)
      for (const payment of pending) {
        counts.checked++
        yield* reconcilePayment(payment, { actor: "reconciliation" }).pipe(
          Effect.catchAll((error) => {
            counts.failed++
            return Effect.logWarning("reconciliation of a payment failed").pipe(
              Effect.annotateLogs({ orderId: payment.orderId, error: error._tag })
            )
          })
        )
      }
    })
  )
  return { ran, ...counts }
})
