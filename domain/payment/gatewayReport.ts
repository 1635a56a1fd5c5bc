import { Either } from "effect"
import {
  decideWalletCommands,
  reversalReference,
  topUpReference,
  type WalletCommand,
  type WalletError,
  type WalletEvent,
  type WalletState
} from "../ledger/index.ts"
import type { Outcome } from "../shared/index.ts"
import type { GatewayReport } from "./commands.ts"
import { decidePayment } from "./decide.ts"
import type { PaymentError } from "./errors.ts"
import type { PaymentEvent } from "./events.ts"
import type { PaymentState } from "./state.ts"

export interface GatewayReportRequest {
  readonly report: GatewayReport
  /** The wallet credit's id if the report settles the payment (the order id). */
  readonly creditTransactionId: string
  /** The wallet debit's id if the report reverses it. */
  readonly debitTransactionId: string
}

export interface GatewayReportEvents {
  readonly payment: ReadonlyArray<PaymentEvent>
  readonly wallet: ReadonlyArray<WalletEvent>
}

/** Whether the report changed the payment, and whether it settled it (credit reached the wallet). */
export interface GatewayReportResult {
  readonly applied: boolean
  readonly settled: boolean
}

/**
 * What the gateway says about a payment, applied to the payment and the wallet together:
 * a settlement credits the top-up, a reversal debits what the wallet holds of it.
 */
export const decideGatewayReport = (
  states: { readonly payment: PaymentState; readonly wallet: WalletState },
  request: GatewayReportRequest
): Either.Either<Outcome<GatewayReportEvents, GatewayReportResult>, PaymentError | WalletError> =>
  Either.gen(function* () {
    const payment = yield* decidePayment(
      { _tag: "ApplyGatewayReport", ...request, walletBalance: states.wallet.balance },
      states.payment
    )
    const commands = payment.flatMap((e): Array<WalletCommand> => {
      if (e._tag === "PaymentSettled") {
        return [
          {
            _tag: "CreditTopUp",
            transactionId: e.creditTransactionId,
            amount: states.payment.amount,
            reference: topUpReference(e.orderId)
          }
        ]
      }
      if (e._tag === "PaymentReversed" && e.debited > 0) {
        return [
          {
            _tag: "ReverseTopUp",
            transactionId: e.debitTransactionId!,
            amount: e.debited,
            reference: reversalReference(e.orderId, e.key),
            orderId: e.orderId,
            kind: e.kind
          }
        ]
      }
      return []
    })
    const wallet = yield* decideWalletCommands(commands, states.wallet)
    return {
      events: { payment, wallet },
      result: { applied: payment.length > 0, settled: payment.some((e) => e._tag === "PaymentSettled") }
    }
  })
