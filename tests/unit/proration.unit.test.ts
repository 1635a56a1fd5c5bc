import { describe, expect, it } from "vitest"
import { refundAllocation } from "../../domain/subscription/proration.ts"

describe("refundAllocation", () => {
  it("skips a charge with nothing left to refund (refunded in full earlier): no 0-rupiah refund line", () => {
    const charges = [
      { transactionId: "TXMP-1", amount: 50_000 },
      { transactionId: "TXMP-2", amount: 0 }
    ]
    expect(refundAllocation(20_000, charges)).toEqual([{ transactionId: "TXMP-1", amount: 20_000 }])
  })
  it("takes the newest charges first, each within its own amount, and stops when the refund is covered", () => {
    const charges = [
      { transactionId: "TXMP-1", amount: 50_000 },
      { transactionId: "TXMP-2", amount: 30_000 },
      { transactionId: "TXMP-3", amount: 10_000 }
    ]
    expect(refundAllocation(35_000, charges)).toEqual([
      { transactionId: "TXMP-3", amount: 10_000 },
      { transactionId: "TXMP-2", amount: 25_000 }
    ])
    expect(refundAllocation(0, charges)).toEqual([])
  })
})
