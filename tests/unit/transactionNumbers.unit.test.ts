import { describe, expect, it } from "vitest"
import { numbersFor, numberTransactions, provisionalIdsIn, provisionalTransactionId } from "../../application/shared/transactionNumbers.ts"

const a = provisionalTransactionId("1231")
const b = provisionalTransactionId("1232")
const unused = provisionalTransactionId("1233")

describe("provisional TXMP ids", () => {
  it("are found in events in order of first appearance, once each; real numbers and unused ids are not", () => {
    const appends = [
      { streamId: `payment-${b}`, events: [{ type: "TopUpRequested", data: { orderId: b } }] },
      { streamId: "wallet-u1", events: [{ type: "ChargeRefunded", data: { transactionId: a, reference: `cancel:s1:${a}`, chargeTransactionId: "TXMP-101" } }, { type: "Noted", data: { again: b } }] }
    ]
    expect(provisionalIdsIn(appends)).toEqual([b, a])
    expect(provisionalIdsIn([{ streamId: "wallet-u1", events: [{ type: "TopUpCredited", data: { transactionId: "TXMP-101", reference: "topup:TXMP-100" } }] }])).toEqual([])
    expect(provisionalIdsIn(appends)).not.toContain(unused)
  })

  it("are replaced by their numbers in stream ids, event data (inside strings too) and snapshots; everything else is kept", () => {
    const appends = [{
      streamId: `payment-${a}`,
      events: [{ type: "ChargeRefunded", data: { transactionId: a, reference: `cancel:s1:${a}`, chargeTransactionId: "TXMP-101", amount: 5 } }],
      snapshot: { applied: [[`cancel:s1:${a}`, a]], charges: [["TXMP-101", 10, 5]] }
    }]
    const [numbered] = numberTransactions(appends, numbersFor([a], [205]))
    expect(numbered).toEqual({
      streamId: "payment-TXMP-205",
      events: [{ type: "ChargeRefunded", data: { transactionId: "TXMP-205", reference: "cancel:s1:TXMP-205", chargeTransactionId: "TXMP-101", amount: 5 } }],
      snapshot: { applied: [["cancel:s1:TXMP-205", "TXMP-205"]], charges: [["TXMP-101", 10, 5]] }
    })
  })

  it("look like TXMP numbers (the events' pattern) but never like a number the sequence gives", () => {
    expect(a).toMatch(/^TXMP-\d+$/)
    expect(a).toMatch(/^TXMP-0/)
  })
})
