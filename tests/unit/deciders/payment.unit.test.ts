import { describe, it } from "vitest"
import {
  decidePayment,
  evolvePayment,
  GatewayAmountMismatch,
  type GatewayReport,
  InvalidPaymentTransition,
  newPayment,
  type PaymentEvent
} from "../../../domain/payment/index.ts"
import { deciderSpecification } from "../../support/deciderSpecification.ts"

const { given } = deciderSpecification({ decide: decidePayment, evolve: evolvePayment, initialState: newPayment })

const orderId = "TXMP-10"
const amount = 100_000
const expiresAt = "2026-11-02T10:00:00.000Z"
const requested: PaymentEvent = {
  _tag: "TopUpRequested",
  orderId,
  userId: "u1",
  amount,
  paymentMethod: "QRIS",
  expiresAt
}
const snapped: PaymentEvent = {
  _tag: "SnapTransactionCreated",
  orderId,
  snapToken: "tok",
  redirectUrl: "https://pay/x"
}
const settled: PaymentEvent = {
  _tag: "PaymentSettled",
  orderId,
  gatewayStatus: "settlement",
  creditTransactionId: orderId
}
const failed: PaymentEvent = { _tag: "PaymentFailed", orderId, gatewayStatus: "deny" }
const cancelled: PaymentEvent = { _tag: "TopUpCancelled", orderId, by: "u1" }
const expired: PaymentEvent = { _tag: "TopUpExpired", orderId }
const snapFailed: PaymentEvent = { _tag: "SnapTransactionFailed", orderId, reason: "GatewayUnavailable" }

const report = (transactionStatus: string, extra: Partial<GatewayReport> = {}) => ({
  _tag: "ApplyGatewayReport" as const,
  report: { transactionStatus, fraudStatus: undefined, grossAmount: amount, ...extra },
  creditTransactionId: orderId,
  debitTransactionId: "TXMP-20",
  walletBalance: 250_000
})
const withBalance = (command: ReturnType<typeof report>, walletBalance: number) => ({ ...command, walletBalance })
const settlement = (gatewayStatus = "settlement"): PaymentEvent => ({
  _tag: "PaymentSettled",
  orderId,
  gatewayStatus,
  creditTransactionId: orderId
})
const reversed = (
  kind: "refund" | "partial_refund" | "chargeback",
  key: string,
  value: number,
  debited = value
): PaymentEvent => ({
  _tag: "PaymentReversed",
  orderId,
  kind,
  key,
  amount: value,
  debited,
  shortfall: value - debited,
  debitTransactionId: debited > 0 ? "TXMP-20" : null
})

describe("payment decider: every command", () => {
  describe("RequestTopUp", () => {
    const request = {
      _tag: "RequestTopUp" as const,
      orderId,
      userId: "u1",
      amount,
      paymentMethod: "QRIS" as const,
      expiresAt
    }
    it("opens a pending top-up", () => given([]).when(request).then([requested]))
    it("is a no-op for an order that exists", () => given([requested]).when(request).then([]))
  })

  describe("RecordSnapTransaction", () => {
    const record = { _tag: "RecordSnapTransaction" as const, snapToken: "tok", redirectUrl: "https://pay/x" }
    it("records Snap's token once", () => {
      given([requested]).when(record).then([snapped])
      given([requested, snapped]).when(record).then([])
    })
    it("ignores a token for a top-up no longer pending", () => given([requested, settled]).when(record).then([]))
  })

  describe("RecordSnapFailure", () => {
    const failure = { _tag: "RecordSnapFailure" as const, reason: "GatewayUnavailable" }
    it("fails a pending top-up", () => given([requested]).when(failure).then([snapFailed]))
    it("leaves any other state alone", () => {
      given([requested, settled]).when(failure).then([])
      given([]).when(failure).then([])
    })
  })

  describe("CancelTopUp", () => {
    it("cancels a pending top-up", () =>
      given([requested, snapped]).when({ _tag: "CancelTopUp", by: "u1" }).then([cancelled]))
    it.each([
      ["SETTLED", [requested, settled]],
      ["FAILED", [requested, failed]],
      ["CANCELLED", [requested, cancelled]],
      ["EXPIRED", [requested, expired]]
    ] as const)("refuses to cancel a %s top-up", (status, history) => {
      given(history)
        .when({ _tag: "CancelTopUp", by: "u1" })
        .then(new InvalidPaymentTransition({ orderId, status, attempted: "cancel" }))
    })
  })

  describe("ExpireTopUp", () => {
    it("expires a pending top-up at its expiry, not a millisecond before", () => {
      given([requested]).when({ _tag: "ExpireTopUp", now: expiresAt }).then([expired])
      given([requested]).when({ _tag: "ExpireTopUp", now: "2026-11-02T09:59:59.999Z" }).then([])
    })
    it("never expires a settled top-up", () =>
      given([requested, settled]).when({ _tag: "ExpireTopUp", now: "2027-01-01T00:00:00.000Z" }).then([]))
  })

  describe("ApplyGatewayReport", () => {
    it("refuses a report for an order it never opened", () => {
      given([])
        .when(report("settlement"))
        .then(new InvalidPaymentTransition({ orderId: "", status: "NEW", attempted: "settlement" }))
    })
    it("refuses a report whose amount differs from the order", () => {
      given([requested])
        .when(report("settlement", { grossAmount: amount + 1 }))
        .then(new GatewayAmountMismatch({ orderId, expected: amount, reported: amount + 1 }))
    })
    it("settles a pending top-up once", () => {
      given([requested]).when(report("settlement")).then([settlement()])
      given([requested, settled]).when(report("settlement")).then([])
    })
    it.each([
      ["EXPIRED", expired],
      ["CANCELLED", cancelled],
      ["FAILED", failed]
    ] as const)("still credits a settlement after the top-up was %s (the money is real)", (_, end) => {
      given([requested, end]).when(report("settlement")).then([settlement()])
    })
    it("settles a card capture unless the fraud check challenges or denies it", () => {
      given([requested])
        .when(report("capture"))
        .then([settlement("capture")])
      given([requested])
        .when(report("capture", { fraudStatus: "accept" }))
        .then([settlement("capture")])
      given([requested])
        .when(report("capture", { fraudStatus: "challenge" }))
        .then([])
      given([requested])
        .when(report("capture", { fraudStatus: "deny" }))
        .then([{ _tag: "PaymentFailed", orderId, gatewayStatus: "capture" }])
    })
    it.each(["pending", "authorize", "something-new"])("waits on %s", (status) =>
      given([requested]).when(report(status)).then([])
    )
    it.each(["deny", "cancel", "expire", "failure"])(
      "fails a pending top-up on %s, and never a settled one",
      (status) => {
        given([requested])
          .when(report(status))
          .then([{ _tag: "PaymentFailed", orderId, gatewayStatus: status }])
        given([requested, settled]).when(report(status)).then([])
      }
    )

    describe("reversals", () => {
      it("takes a full refund back from the wallet, keyed by the gateway's refund key", () => {
        given([requested, settled])
          .when(report("refund", { reversalKey: "rk-1" }))
          .then([reversed("refund", "rk-1", amount)])
      })
      it("takes a keyless full refund once, keyed by status and amount", () => {
        given([requested, settled])
          .when(report("refund"))
          .then([reversed("refund", `refund:${amount}`, amount)])
        given([requested, settled, reversed("refund", `refund:${amount}`, amount)])
          .when(report("refund"))
          .then([])
      })
      it("takes a partial refund for its amount; the same key again is a no-op, another key is a second refund", () => {
        const first = reversed("partial_refund", "rk-1", 30_000)
        given([requested, settled])
          .when(report("partial_refund", { reversalAmount: 30_000, reversalKey: "rk-1" }))
          .then([first])
        given([requested, settled, first])
          .when(report("partial_refund", { reversalAmount: 30_000, reversalKey: "rk-1" }))
          .then([])
        given([requested, settled, first])
          .when(report("partial_refund", { reversalAmount: 30_000, reversalKey: "rk-2" }))
          .then([reversed("partial_refund", "rk-2", 30_000)])
      })
      it("keys a keyless partial refund by the running total it reports", () => {
        given([requested, settled])
          .when(report("partial_refund", { reversalAmount: 30_000 }))
          .then([reversed("partial_refund", "partial_refund:30000", 30_000)])
      })
      it("takes two equal keyless partial refunds as two refunds (the total grows), and a re-sent report as none", () => {
        const first = reversed("partial_refund", "partial_refund:10000", 10_000)
        given([requested, settled, first])
          .when(report("partial_refund", { reversalAmount: 10_000 }))
          .then([])
        given([requested, settled, first])
          .when(report("partial_refund", { reversalAmount: 20_000 }))
          .then([reversed("partial_refund", "partial_refund:20000", 10_000)])
      })
      it("counts keyed reversals in a keyless running total, and a keyless full refund takes only what is left", () => {
        const keyed = reversed("partial_refund", "rk-1", 30_000)
        given([requested, settled, keyed])
          .when(report("partial_refund", { reversalAmount: 30_000 }))
          .then([])
        given([requested, settled, keyed])
          .when(report("partial_refund", { reversalAmount: 45_000 }))
          .then([reversed("partial_refund", "partial_refund:45000", 15_000)])
        given([requested, settled, keyed])
          .when(report("refund"))
          .then([reversed("refund", `refund:${amount}`, amount - 30_000)])
      })
      it("caps reversals at what is left of the payment, and ignores one when nothing is left", () => {
        const first = reversed("partial_refund", "rk-1", 80_000)
        given([requested, settled, first])
          .when(report("refund", { reversalKey: "rk-2", reversalAmount: 50_000 }))
          .then([reversed("refund", "rk-2", 20_000)])
        given([requested, settled, first, reversed("refund", "rk-2", 20_000)])
          .when(report("chargeback", { reversalKey: "cb-1" }))
          .then([])
      })
      it("ignores a reversal of a non-integer amount", () => {
        given([requested, settled])
          .when(report("partial_refund", { reversalAmount: 10.5, reversalKey: "rk-1" }))
          .then([])
      })
      it("records chargebacks and partial chargebacks as chargebacks", () => {
        given([requested, settled])
          .when(report("chargeback", { reversalKey: "cb-1" }))
          .then([reversed("chargeback", "cb-1", amount)])
        given([requested, settled])
          .when(report("partial_chargeback", { reversalKey: "cb-1", reversalAmount: 40_000 }))
          .then([reversed("chargeback", "cb-1", 40_000)])
      })
      it("debits what the wallet holds and records the rest as a shortfall", () => {
        given([requested, settled])
          .when(withBalance(report("chargeback", { reversalKey: "cb-1" }), 60_000))
          .then([reversed("chargeback", "cb-1", amount, 60_000)])
      })
      it("debits nothing from an empty wallet: the whole reversal is a shortfall, with no debit transaction", () => {
        given([requested, settled])
          .when(withBalance(report("chargeback", { reversalKey: "cb-1" }), 0))
          .then([reversed("chargeback", "cb-1", amount, 0)])
      })
      it("settles first when the reversal is the first report it sees, counting the credit in the balance", () => {
        given([requested])
          .when(withBalance(report("refund", { reversalKey: "rk-1" }), 0))
          .then([settlement("refund"), reversed("refund", "rk-1", amount)])
      })
    })
  })
})
