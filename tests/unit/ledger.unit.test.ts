import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { canonicalEncode } from "../../application/shared/eventHash.ts"
import {
  decideWallet,
  emptyWallet,
  replayWallet,
  SystemAccounts,
  transferOf,
  type WalletCommand,
  type WalletState
} from "../../domain/ledger/index.ts"
import { period } from "../support/chargeCauseMother.ts"

const topUp = (amount: number, reference = "topup:p1"): WalletCommand => ({
  _tag: "CreditTopUp",
  transactionId: "TXMP-101",
  amount,
  reference
})
const charge = (amount: number, reference = "period:s1:2026-11-01"): WalletCommand => ({
  _tag: "ChargeWallet",
  transactionId: "TXMP-102",
  amount,
  reference,
  cause: period("s1"),
  description: "Basic plan, November"
})

const apply = (state: WalletState, command: WalletCommand) => {
  const decision = decideWallet(command, state)
  if (Either.isLeft(decision)) throw new Error(decision.left._tag)
  return replayWallet(state, decision.right)
}

describe("decideWallet", () => {
  it("credits a top-up once per payment reference", () => {
    const once = apply(emptyWallet, topUp(50_000))
    expect(once.balance).toBe(50_000)
    expect(decideWallet(topUp(50_000), once)).toEqual(Either.right([]))
  })

  it("refuses a charge it cannot afford, with the shortfall", () => {
    const state = apply(emptyWallet, topUp(30_000))
    const decision = decideWallet(charge(50_000), state)
    expect(Either.isLeft(decision) && decision.left).toMatchObject({
      _tag: "InsufficientCredit",
      required: 50_000,
      available: 30_000,
      shortfall: 20_000
    })
  })

  it("bounds refunds by what is left of the charge", () => {
    const charged = apply(apply(emptyWallet, topUp(100_000)), charge(60_000))
    const refund = (amount: number, reference: string, chargeTransactionId = "TXMP-102"): WalletCommand => ({
      _tag: "RefundCharge",
      transactionId: "TXMP-110",
      amount,
      reference,
      chargeTransactionId,
      reason: "cancelled"
    })
    const partly = apply(charged, refund(40_000, "refund:a"))
    const over = decideWallet(refund(20_001, "refund:b"), partly)
    expect(Either.isLeft(over) && over.left).toMatchObject({ _tag: "RefundExceedsCharge", refundable: 20_000 })
    expect(apply(partly, refund(20_000, "refund:b")).totalSpent).toBe(0)
    const unknown = decideWallet(refund(1, "refund:c", "TXMP-999"), partly)
    expect(Either.isLeft(unknown) && unknown.left._tag).toBe("ChargeNotFound")
  })

  it("refuses non-integer, zero and unsafe amounts and empty reasons", () => {
    for (const amount of [0, -5, 1.5, Number.MAX_SAFE_INTEGER + 2, Number.NaN]) {
      const decision = decideWallet(topUp(amount), emptyWallet)
      expect(Either.isLeft(decision) && decision.left._tag, String(amount)).toBe("InvalidLedgerCommand")
    }
    const noReason = decideWallet(
      { _tag: "AdjustCredit", transactionId: "TXMP-1", amount: 10, reference: "adjust:x", adminId: "a", reason: "  " },
      emptyWallet
    )
    expect(Either.isLeft(noReason) && noReason.left).toMatchObject({ _tag: "InvalidLedgerCommand", field: "reason" })
  })

  it("maps each event to one double-entry transfer touching the wallet", () => {
    const [event] = Either.getOrThrow(decideWallet(charge(10_000), apply(emptyWallet, topUp(10_000))))
    expect(transferOf("u1", event!)).toMatchObject({
      from: "wallet:u1",
      to: SystemAccounts.revenue,
      amount: 10_000,
      kind: "SUBSCRIPTION",
      causeType: "subscription-period"
    })
  })
})

describe("canonicalEncode", () => {
  it("sorts keys at every depth, writes bigint as a decimal string and drops undefined members", () => {
    expect(canonicalEncode({ b: 1, a: { d: [2n, "x"], c: undefined, b: null } })).toBe(
      '{"a":{"b":null,"d":["2","x"]},"b":1}'
    )
  })

  it("refuses values JSON cannot carry faithfully", () => {
    expect(() => canonicalEncode({ a: Number.NaN })).toThrow()
    expect(() => canonicalEncode({ a: () => 1 })).toThrow()
  })
})

describe("a free grant on record (RecordFreeGrant)", () => {
  const grant: WalletCommand = {
    _tag: "RecordFreeGrant",
    transactionId: "TXMP-103",
    reference: "period:s2:2026-11-01",
    cause: period("s2"),
    reason: "BONUS",
    description: "Ghost Pro, first month free (bonus subscription)"
  }

  it("given an empty wallet, when a bonus period is granted, then a 0-rupiah charge to revenue is recorded and the balance is unchanged", () => {
    const decision = Either.getOrThrow(decideWallet(grant, emptyWallet))
    expect(decision).toEqual([
      {
        _tag: "FreeGrantRecorded",
        transactionId: "TXMP-103",
        amount: 0,
        reference: "period:s2:2026-11-01",
        cause: period("s2"),
        reason: "BONUS",
        description: "Ghost Pro, first month free (bonus subscription)"
      }
    ])
    expect(transferOf("u1", decision[0]!)).toMatchObject({
      kind: "SUBSCRIPTION",
      from: "wallet:u1",
      to: SystemAccounts.revenue,
      amount: 0,
      causeId: "s2@2026-11-01"
    })
    expect(replayWallet(emptyWallet, decision)).toMatchObject({ balance: 0, totalSpent: 0 })
  })

  it("given the period was granted already, when it is granted (or charged) again, then nothing is recorded", () => {
    const granted = apply(emptyWallet, grant)
    expect(decideWallet(grant, granted)).toEqual(Either.right([]))
    expect(decideWallet(charge(10_000, "period:s2:2026-11-01"), apply(granted, topUp(50_000)))).toEqual(
      Either.right([])
    )
  })
})
