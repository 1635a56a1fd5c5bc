import { describe, expect, it } from "vitest"
import {
  ChargeNotFound,
  decideWallet,
  emptyWallet,
  evolveWallet,
  InsufficientCredit,
  InvalidLedgerCommand,
  RefundExceedsCharge,
  replayWallet,
  type WalletEvent
} from "../../../domain/ledger/index.ts"
import { deciderSpecification } from "../../support/deciderSpecification.ts"
import { period } from "../../support/chargeCauseMother.ts"

const { given } = deciderSpecification({ decide: decideWallet, evolve: evolveWallet, initialState: emptyWallet })

const toppedUp = (amount: number, reference = "topup:p1"): WalletEvent => ({
  _tag: "TopUpCredited",
  transactionId: "TXMP-1",
  amount,
  reference
})
const charged = (amount: number, transactionId = "TXMP-2"): WalletEvent => ({
  _tag: "WalletCharged",
  transactionId,
  amount,
  reference: `period:s1:${transactionId}`,
  cause: period("s1"),
  description: "Basic, November"
})
const charge = (amount: number, reference = "period:s1:2026-11-01") => ({
  _tag: "ChargeWallet" as const,
  transactionId: "TXMP-9",
  amount,
  reference,
  cause: period("s1"),
  description: "Basic, November"
})
const refund = (amount: number, chargeTransactionId = "TXMP-2", reason = "cancelled") => ({
  _tag: "RefundCharge" as const,
  transactionId: "TXMP-9",
  amount,
  reference: "cancel:s1",
  chargeTransactionId,
  reason
})
const adjust = (amount: number, reason = "goodwill", adminId = "admin-1") => ({
  _tag: "AdjustCredit" as const,
  transactionId: "TXMP-9",
  amount,
  reference: "adjust:1",
  adminId,
  reason
})
const reverse = (amount: number) => ({
  _tag: "ReverseTopUp" as const,
  transactionId: "TXMP-9",
  amount,
  reference: "reversal:o1:k1",
  orderId: "TXMP-1",
  kind: "chargeback" as const
})
const grant = (amount: number, couponCode = "WELCOME") => ({
  _tag: "GrantCouponCredit" as const,
  transactionId: "TXMP-9",
  amount,
  reference: "coupon:WELCOME:u1",
  couponCode
})
const max = Number.MAX_SAFE_INTEGER

describe("wallet decider: every command", () => {
  it("refuses any command without a reference", () => {
    given([])
      .when({ _tag: "CreditTopUp", transactionId: "TXMP-9", amount: 1, reference: "" })
      .then(new InvalidLedgerCommand({ field: "reference", problem: "must not be empty" }))
  })

  it("replays a reference already applied to nothing, whatever its other fields", () => {
    given([toppedUp(10_000, "period:s1:2026-11-01")])
      .when(charge(999_999, "period:s1:2026-11-01"))
      .then([])
  })

  it.each([0, -5, 1.5, max + 1, Number.NaN])("refuses an amount of %s", (amount) => {
    given([toppedUp(10_000)])
      .when(charge(amount))
      .then(new InvalidLedgerCommand({ field: "amount", problem: "must be a positive integer number of rupiah" }))
  })

  describe("CreditTopUp", () => {
    it("credits the top-up", () => {
      given([])
        .when({ _tag: "CreditTopUp", transactionId: "TXMP-9", amount: 50_000, reference: "topup:p2" })
        .then([{ _tag: "TopUpCredited", transactionId: "TXMP-9", amount: 50_000, reference: "topup:p2" }])
    })
    it("credits up to the largest safe balance, and refuses one rupiah more", () => {
      given([toppedUp(max - 10)])
        .when({ _tag: "CreditTopUp", transactionId: "TXMP-9", amount: 10, reference: "topup:p2" })
        .then([{ _tag: "TopUpCredited", transactionId: "TXMP-9", amount: 10, reference: "topup:p2" }])
      given([toppedUp(max - 10)])
        .when({ _tag: "CreditTopUp", transactionId: "TXMP-9", amount: 11, reference: "topup:p2" })
        .then(new InvalidLedgerCommand({ field: "amount", problem: "balance would exceed the safe range" }))
    })
  })

  describe("GrantCouponCredit", () => {
    it("grants the coupon's credit", () => {
      given([])
        .when(grant(25_000))
        .then([
          {
            _tag: "CouponCreditGranted",
            transactionId: "TXMP-9",
            amount: 25_000,
            reference: "coupon:WELCOME:u1",
            couponCode: "WELCOME"
          }
        ])
    })
    it("refuses a grant without a coupon code", () => {
      given([])
        .when(grant(25_000, ""))
        .then(new InvalidLedgerCommand({ field: "couponCode", problem: "must not be empty" }))
    })
    it("refuses a grant past the safe balance", () => {
      given([toppedUp(max)])
        .when(grant(1))
        .then(new InvalidLedgerCommand({ field: "amount", problem: "balance would exceed the safe range" }))
    })
  })

  describe("ChargeWallet", () => {
    it("charges exactly the whole balance", () => {
      given([toppedUp(50_000)])
        .when(charge(50_000))
        .then([
          {
            _tag: "WalletCharged",
            transactionId: "TXMP-9",
            amount: 50_000,
            reference: "period:s1:2026-11-01",
            cause: period("s1"),
            description: "Basic, November"
          }
        ])
    })
    it("refuses one rupiah over the balance, naming the shortfall", () => {
      given([toppedUp(50_000)])
        .when(charge(50_001))
        .then(new InsufficientCredit({ required: 50_001, available: 50_000, shortfall: 1 }))
    })
    it("counts earlier charges, refunds and adjustments in the balance", () => {
      const history = [
        toppedUp(100_000),
        charged(60_000),
        {
          _tag: "ChargeRefunded",
          transactionId: "TXMP-3",
          amount: 10_000,
          reference: "cancel:s1",
          chargeTransactionId: "TXMP-2",
          reason: "x"
        },
        {
          _tag: "CreditAdjusted",
          transactionId: "TXMP-4",
          direction: "DEBIT",
          amount: 5_000,
          reference: "adj:1",
          adminId: "a",
          reason: "x"
        },
        {
          _tag: "CreditAdjusted",
          transactionId: "TXMP-5",
          direction: "CREDIT",
          amount: 1_000,
          reference: "adj:2",
          adminId: "a",
          reason: "x"
        },
        { _tag: "CouponCreditGranted", transactionId: "TXMP-6", amount: 2_000, reference: "c:1", couponCode: "C" },
        {
          _tag: "TopUpReversed",
          transactionId: "TXMP-7",
          amount: 3_000,
          reference: "r:1",
          orderId: "TXMP-1",
          kind: "partial_refund"
        }
      ] satisfies Array<WalletEvent>
      // 100 000 − 60 000 + 10 000 − 5 000 + 1 000 + 2 000 − 3 000 = 45 000
      given(history)
        .when(charge(45_001))
        .then(new InsufficientCredit({ required: 45_001, available: 45_000, shortfall: 1 }))
      expect(given(history).when(charge(45_000)).decision._tag).toBe("Right")
    })
  })

  describe("ReverseTopUp", () => {
    it("takes back up to the whole balance", () => {
      given([toppedUp(50_000)])
        .when(reverse(50_000))
        .then([
          {
            _tag: "TopUpReversed",
            transactionId: "TXMP-9",
            amount: 50_000,
            reference: "reversal:o1:k1",
            orderId: "TXMP-1",
            kind: "chargeback"
          }
        ])
    })
    it("refuses to take the wallet below zero", () => {
      given([toppedUp(50_000)])
        .when(reverse(50_001))
        .then(new InsufficientCredit({ required: 50_001, available: 50_000, shortfall: 1 }))
    })
  })

  describe("RefundCharge", () => {
    it("refunds a charge up to what is left of it", () => {
      given([toppedUp(100_000), charged(60_000)])
        .when(refund(60_000))
        .then([
          {
            _tag: "ChargeRefunded",
            transactionId: "TXMP-9",
            amount: 60_000,
            reference: "cancel:s1",
            chargeTransactionId: "TXMP-2",
            reason: "cancelled"
          }
        ])
    })
    it("deducts earlier refunds of the same charge, and refuses one rupiah more than is left", () => {
      const earlier: WalletEvent = {
        _tag: "ChargeRefunded",
        transactionId: "TXMP-3",
        amount: 20_000,
        reference: "admin-refund:1",
        chargeTransactionId: "TXMP-2",
        reason: "goodwill"
      }
      given([toppedUp(100_000), charged(60_000), earlier])
        .when(refund(40_001))
        .then(new RefundExceedsCharge({ chargeTransactionId: "TXMP-2", requested: 40_001, refundable: 40_000 }))
      expect(given([toppedUp(100_000), charged(60_000), earlier]).when(refund(40_000)).decision._tag).toBe("Right")
    })
    it("keeps each charge's refunds apart", () => {
      const other: WalletEvent = {
        _tag: "ChargeRefunded",
        transactionId: "TXMP-3",
        amount: 30_000,
        reference: "r:other",
        chargeTransactionId: "TXMP-8",
        reason: "x"
      }
      given([toppedUp(200_000), charged(60_000), charged(30_000, "TXMP-8"), other])
        .when(refund(60_000))
        .then([
          {
            _tag: "ChargeRefunded",
            transactionId: "TXMP-9",
            amount: 60_000,
            reference: "cancel:s1",
            chargeTransactionId: "TXMP-2",
            reason: "cancelled"
          }
        ])
    })
    it("refuses an unknown charge", () => {
      given([toppedUp(100_000)])
        .when(refund(1, "TXMP-77"))
        .then(new ChargeNotFound({ chargeTransactionId: "TXMP-77" }))
    })
    it("refuses a refund without a reason", () => {
      given([toppedUp(100_000), charged(60_000)])
        .when(refund(1, "TXMP-2", "  "))
        .then(new InvalidLedgerCommand({ field: "reason", problem: "is required" }))
    })
  })

  describe("AdjustCredit", () => {
    it("credits a positive amount", () => {
      given([])
        .when(adjust(7_000))
        .then([
          {
            _tag: "CreditAdjusted",
            transactionId: "TXMP-9",
            direction: "CREDIT",
            amount: 7_000,
            reference: "adjust:1",
            adminId: "admin-1",
            reason: "goodwill"
          }
        ])
    })
    it("debits a negative amount down to zero, never below", () => {
      given([toppedUp(7_000)])
        .when(adjust(-7_000))
        .then([
          {
            _tag: "CreditAdjusted",
            transactionId: "TXMP-9",
            direction: "DEBIT",
            amount: 7_000,
            reference: "adjust:1",
            adminId: "admin-1",
            reason: "goodwill"
          }
        ])
      given([toppedUp(7_000)])
        .when(adjust(-7_001))
        .then(new InsufficientCredit({ required: 7_001, available: 7_000, shortfall: 1 }))
    })
    it("refuses a credit past the safe balance", () => {
      given([toppedUp(max)])
        .when(adjust(1))
        .then(new InvalidLedgerCommand({ field: "amount", problem: "balance would exceed the safe range" }))
    })
    it("refuses an adjustment without a reason or an administrator", () => {
      given([])
        .when(adjust(1, " "))
        .then(new InvalidLedgerCommand({ field: "reason", problem: "is required" }))
      given([])
        .when(adjust(1, "goodwill", ""))
        .then(new InvalidLedgerCommand({ field: "adminId", problem: "is required" }))
    })
  })
})

describe("wallet evolve", () => {
  it("keeps top-ups and net spending apart from the balance", () => {
    const state = replayWallet(emptyWallet, [
      toppedUp(100_000),
      charged(60_000),
      {
        _tag: "ChargeRefunded",
        transactionId: "TXMP-3",
        amount: 10_000,
        reference: "r:1",
        chargeTransactionId: "TXMP-2",
        reason: "x"
      },
      {
        _tag: "TopUpReversed",
        transactionId: "TXMP-4",
        amount: 5_000,
        reference: "r:2",
        orderId: "TXMP-1",
        kind: "refund"
      },
      { _tag: "CouponCreditGranted", transactionId: "TXMP-5", amount: 2_000, reference: "c:1", couponCode: "C" }
    ])
    expect(state).toEqual({
      balance: 47_000,
      totalTopUp: 95_000,
      totalSpent: 50_000,
      applied: new Map([
        ["topup:p1", "TXMP-1"],
        ["period:s1:TXMP-2", "TXMP-2"],
        ["r:1", "TXMP-3"],
        ["r:2", "TXMP-4"],
        ["c:1", "TXMP-5"]
      ]),
      charges: new Map([["TXMP-2", { amount: 60_000, refunded: 10_000 }]])
    })
  })

  it("ignores a refund of a charge it does not hold (the balance still moves)", () => {
    const state = evolveWallet(emptyWallet, {
      _tag: "ChargeRefunded",
      transactionId: "TXMP-3",
      amount: 10,
      reference: "r",
      chargeTransactionId: "TXMP-404",
      reason: "x"
    })
    expect(state.charges.size).toBe(0)
    expect(state.balance).toBe(10)
  })
})
