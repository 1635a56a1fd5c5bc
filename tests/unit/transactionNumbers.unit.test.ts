import { describe, expect, it } from "vitest"
import {
  mentionsProvisional,
  numberResult,
  numbersFor,
  numberTransactions,
  provisionalIdsIn,
  provisionalTransactionId
} from "../../application/shared/transactionNumbers.ts"

const a = provisionalTransactionId("1231")
const b = provisionalTransactionId("1232")
const unused = provisionalTransactionId("1233")

describe("provisional TXMP ids", () => {
  it("are found in events in order of first appearance, once each; real numbers and unused ids are not", () => {
    const appends = [
      { streamId: `payment-${b}`, events: [{ type: "TopUpRequested", data: { orderId: b } }] },
      {
        streamId: "wallet-u1",
        events: [
          {
            type: "ChargeRefunded",
            data: { transactionId: a, reference: `cancel:s1:${a}`, chargeTransactionId: "TXMP-101" }
          },
          { type: "Noted", data: { again: b } }
        ]
      }
    ]
    expect(provisionalIdsIn(appends)).toEqual([b, a])
    expect(
      provisionalIdsIn([
        {
          streamId: "wallet-u1",
          events: [{ type: "TopUpCredited", data: { transactionId: "TXMP-101", reference: "topup:TXMP-100" } }]
        }
      ])
    ).toEqual([])
    expect(provisionalIdsIn(appends)).not.toContain(unused)
  })

  it("are replaced by their numbers in stream ids, event data (inside strings too) and snapshots; everything else is kept", () => {
    const appends = [
      {
        streamId: `payment-${a}`,
        events: [
          {
            type: "ChargeRefunded",
            data: { transactionId: a, reference: `cancel:s1:${a}`, chargeTransactionId: "TXMP-101", amount: 5 }
          }
        ],
        snapshot: { applied: [[`cancel:s1:${a}`, a]], charges: [["TXMP-101", 10, 5]] }
      }
    ]
    const [numbered] = numberTransactions(appends, numbersFor([a], [205]))
    expect(numbered).toEqual({
      streamId: "payment-TXMP-205",
      events: [
        {
          type: "ChargeRefunded",
          data: {
            transactionId: "TXMP-205",
            reference: "cancel:s1:TXMP-205",
            chargeTransactionId: "TXMP-101",
            amount: 5
          }
        }
      ],
      snapshot: { applied: [["cancel:s1:TXMP-205", "TXMP-205"]], charges: [["TXMP-101", 10, 5]] }
    })
  })

  it("look like TXMP numbers (the events' pattern) but never like a number the sequence gives", () => {
    expect(a).toMatch(/^TXMP-\d+$/)
    expect(a).toMatch(/^TXMP-0/)
  })

  it("are replaced in a decision's result (plain data), leaving unused ids, numbers and non-plain values as they are", () => {
    const numbers = numbersFor([a, b], [201, 202])
    const at = new Date(0)
    const result = {
      refunded: [
        { transactionId: a, amount: 5 },
        { transactionId: b, amount: 7 }
      ],
      spare: unused,
      charge: "TXMP-101",
      note: `order ${b}`,
      at,
      none: null
    }
    expect(numberResult(result, numbers)).toEqual({
      refunded: [
        { transactionId: "TXMP-201", amount: 5 },
        { transactionId: "TXMP-202", amount: 7 }
      ],
      spare: unused,
      charge: "TXMP-101",
      note: "order TXMP-202",
      at,
      none: null
    })
    expect(numberResult(result, numbers).at).toBe(at)
    expect(numberResult(undefined, numbers)).toBeUndefined()
    expect(numberResult(result, new Map())).toBe(result)
  })

  it("a value names a provisional id of the batch only if one of its strings carries it", () => {
    const numbers = numbersFor([a], [301])
    expect(mentionsProvisional({ _tag: "ChargeNotFound", chargeTransactionId: a }, numbers)).toBe(true)
    expect(mentionsProvisional({ _tag: "ChargeNotFound", chargeTransactionId: b }, numbers)).toBe(false)
    expect(mentionsProvisional({ _tag: "InsufficientBalance", balance: 0 }, numbers)).toBe(false)
    expect(mentionsProvisional({ chargeTransactionId: a }, new Map())).toBe(false)
  })
})
