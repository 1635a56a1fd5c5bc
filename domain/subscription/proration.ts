import { prorate } from "../shared/index.ts"
import type { ChargeHeld } from "./state.ts"

const remaining = (now: string, periodStart: string, periodEnd: string) => {
  const end = Date.parse(periodEnd)
  const start = Date.parse(periodStart)
  const at = Math.min(Math.max(Date.parse(now), start), end)
  return { left: end - at, whole: end - start }
}

/** Upgrade charge: price difference × remaining fraction of the period, rounded down. */
export const upgradeCharge = (
  fromPrice: number,
  toPrice: number,
  now: string,
  periodStart: string,
  periodEnd: string
): number => {
  const { left, whole } = remaining(now, periodStart, periodEnd)
  return prorate(Math.max(0, toPrice - fromPrice), left, whole, "down")
}

/** Cancellation refund: current price × unused fraction, rounded up, never more than was paid. */
export const cancellationRefund = (
  currentPrice: number,
  charges: ReadonlyArray<ChargeHeld>,
  now: string,
  periodStart: string,
  periodEnd: string
): number => {
  const { left, whole } = remaining(now, periodStart, periodEnd)
  const paid = charges.reduce((sum, c) => sum + c.amount, 0)
  return Math.min(paid, prorate(currentPrice, left, whole, "up"))
}

/** Splits a refund over the period's charges, newest first, each within its own amount. */
export const refundAllocation = (refund: number, charges: ReadonlyArray<ChargeHeld>): ReadonlyArray<ChargeHeld> => {
  const allocation: Array<ChargeHeld> = []
  let left = refund
  for (const charge of [...charges].reverse()) {
    if (left <= 0) break
    const amount = Math.min(left, charge.amount)
    if (amount > 0) allocation.push({ transactionId: charge.transactionId, amount })
    left -= amount
  }
  return allocation
}
