import type { PaymentMethod } from "./events.ts"

/** A Midtrans transaction status as reported by a verified notification or the status API. */
export interface GatewayReport {
  readonly transactionStatus: string
  readonly fraudStatus: string | undefined
  /** Integer rupiah parsed from gross_amount. */
  readonly grossAmount: number
  /** For refund/partial_refund/chargeback: the amount taken back and the gateway's key for it. */
  readonly reversalAmount?: number | undefined
  readonly reversalKey?: string | undefined
}

export type PaymentCommand =
  | {
      readonly _tag: "RequestTopUp"
      readonly orderId: string
      readonly userId: string
      readonly amount: number
      readonly paymentMethod: PaymentMethod
      readonly expiresAt: string
    }
  | { readonly _tag: "RecordSnapTransaction"; readonly snapToken: string; readonly redirectUrl: string }
  | { readonly _tag: "RecordSnapFailure"; readonly reason: string }
  | {
      readonly _tag: "ApplyGatewayReport"
      readonly report: GatewayReport
      /** Id for the wallet credit if this report settles the payment. */
      readonly creditTransactionId: string
      /** Id for the wallet debit if this report reverses it. */
      readonly debitTransactionId: string
      /** The wallet balance now, to cap a reversal at what the wallet holds. */
      readonly walletBalance: number
    }
  | { readonly _tag: "CancelTopUp"; readonly by: string }
  | { readonly _tag: "ExpireTopUp"; readonly now: string }
