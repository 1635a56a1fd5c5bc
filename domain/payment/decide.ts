import { Either } from "effect"
import type { GatewayReport, PaymentCommand } from "./commands.ts"
import { GatewayAmountMismatch, InvalidPaymentTransition, type PaymentError } from "./errors.ts"
import type { PaymentEvent } from "./events.ts"
import type { PaymentState } from "./state.ts"

type Decision = Either.Either<ReadonlyArray<PaymentEvent>, PaymentError>

const none: Decision = Either.right([])

/** What a Midtrans status means for us (Midtrans docs: transaction_status + fraud_status). */
export const classifyReport = (report: GatewayReport): "settle" | "wait" | "fail" | "reverse" | "ignore" => {
  switch (report.transactionStatus) {
    case "settlement":
      return "settle"
    case "capture":
      // Card captures settle only when the fraud check accepts; "challenge" waits for a decision.
      return report.fraudStatus === "challenge" ? "wait" : report.fraudStatus === "deny" ? "fail" : "settle"
    case "pending":
    case "authorize":
      return "wait"
    case "deny":
    case "cancel":
    case "expire":
    case "failure":
      return "fail"
    case "refund":
    case "partial_refund":
    case "chargeback":
    case "partial_chargeback":
      return "reverse"
    default:
      return "ignore"
  }
}

const reversalKind = (status: string) =>
  status === "chargeback" || status === "partial_chargeback"
    ? ("chargeback" as const)
    : status === "partial_refund"
      ? ("partial_refund" as const)
      : ("refund" as const)

/**
 * The payment state machine. It never moves a settled payment backwards; money the gateway
 * reports as received is credited whatever the local state (a late settlement after expiry or
 * cancel still credits: the money is real). Reversals after settlement debit the wallet up to
 * its balance and record the shortfall.
 */
export const decidePayment = (command: PaymentCommand, state: PaymentState): Decision => {
  switch (command._tag) {
    case "RequestTopUp":
      return state.status !== "NEW"
        ? none
        : Either.right([
            {
              _tag: "TopUpRequested",
              orderId: command.orderId,
              userId: command.userId,
              amount: command.amount,
              paymentMethod: command.paymentMethod,
              expiresAt: command.expiresAt
            }
          ])
    case "RecordSnapTransaction":
      return state.status !== "PENDING" || state.snapToken !== undefined
        ? none
        : Either.right([
            {
              _tag: "SnapTransactionCreated",
              orderId: state.orderId,
              snapToken: command.snapToken,
              redirectUrl: command.redirectUrl
            }
          ])
    case "RecordSnapFailure":
      return state.status !== "PENDING"
        ? none
        : Either.right([{ _tag: "SnapTransactionFailed", orderId: state.orderId, reason: command.reason }])
    case "CancelTopUp":
      return state.status === "PENDING"
        ? Either.right([{ _tag: "TopUpCancelled", orderId: state.orderId, by: command.by }])
        : Either.left(
            new InvalidPaymentTransition({ orderId: state.orderId, status: state.status, attempted: "cancel" })
          )
    case "ExpireTopUp":
      return state.status === "PENDING" && command.now >= state.expiresAt
        ? Either.right([{ _tag: "TopUpExpired", orderId: state.orderId }])
        : none
    case "ApplyGatewayReport": {
      const { report } = command
      if (state.status === "NEW") {
        return Either.left(
          new InvalidPaymentTransition({
            orderId: state.orderId,
            status: state.status,
            attempted: report.transactionStatus
          })
        )
      }
      if (report.grossAmount !== state.amount) {
        return Either.left(
          new GatewayAmountMismatch({ orderId: state.orderId, expected: state.amount, reported: report.grossAmount })
        )
      }
      const settle: ReadonlyArray<PaymentEvent> =
        state.status === "SETTLED"
          ? []
          : [
              {
                _tag: "PaymentSettled",
                orderId: state.orderId,
                gatewayStatus: report.transactionStatus,
                creditTransactionId: command.creditTransactionId
              }
            ]
      switch (classifyReport(report)) {
        case "settle":
          return Either.right(settle)
        case "fail":
          return state.status === "PENDING"
            ? Either.right([{ _tag: "PaymentFailed", orderId: state.orderId, gatewayStatus: report.transactionStatus }])
            : none
        case "wait":
        case "ignore":
          return none
        case "reverse": {
          // A reversal reported for a payment we never saw settle: the money came in first.
          const balance = command.walletBalance + (settle.length > 0 ? state.amount : 0)
          const left = state.amount - state.reversed
          // A keyed report is one reversal (its key makes a re-sent one a no-op). A keyless one says how
          // much the gateway has reversed of the payment so far (the status API's refund_amount; a full
          // refund or chargeback: all of it), so only the part not yet taken is new: two equal keyless
          // partial refunds (reported as 10,000 then 20,000) are two refunds, a re-sent report is none.
          const reversedSoFar = Math.min(report.reversalAmount ?? state.amount, state.amount)
          const key = report.reversalKey ?? `${report.transactionStatus}:${reversedSoFar}`
          const amount =
            report.reversalKey === undefined
              ? reversedSoFar - state.reversed
              : Math.min(report.reversalAmount ?? left, left)
          if (state.reversalKeys.has(key) || amount <= 0 || !Number.isSafeInteger(amount)) return Either.right(settle)
          const debited = Math.min(amount, balance)
          return Either.right([
            ...settle,
            {
              _tag: "PaymentReversed",
              orderId: state.orderId,
              kind: reversalKind(report.transactionStatus),
              key,
              amount,
              debited,
              shortfall: amount - debited,
              debitTransactionId: debited > 0 ? command.debitTransactionId : null
            }
          ])
        }
      }
    }
  }
}
