import { addMonths } from "../shared/index.ts"

export interface RenewingSubscription {
  readonly monthlyPrice: number
  /** The current period's end: its next renewal (in the past while in grace). */
  readonly nextRenewal: string
  readonly freeMonthsLeft: number
}

export interface Runway {
  /** What the auto-renewing subscriptions cost per month at their current prices. */
  readonly monthlyCost: number
  /** Consecutive renewals, in date order, the balance pays before one fails; null if none ever fails. */
  readonly renewalsCovered: number | null
  /** When the first renewal the balance cannot pay falls due; null if none ever fails. */
  readonly firstFailureAt: string | null
}

/** Renewals further out than this are not simulated (a balance covering ten years is "never fails"). */
const horizonMonths = 120

/**
 * Replays the coming renewals in date order against the balance, as the scheduler would charge
 * them (FREE_SERVICE months first cost nothing). Pure.
 */
export const runwayOf = (balance: number, subscriptions: ReadonlyArray<RenewingSubscription>, now: string): Runway => {
  const monthlyCost = subscriptions.reduce((sum, s) => sum + s.monthlyPrice, 0)
  if (monthlyCost === 0) return { monthlyCost, renewalsCovered: null, firstFailureAt: null }
  const horizon = addMonths(now, horizonMonths)
  const queue = subscriptions
    .filter((s) => s.monthlyPrice > 0)
    .map((s) => ({ at: s.nextRenewal, price: s.monthlyPrice, free: s.freeMonthsLeft, months: 0 }))
  let left = balance
  let covered = 0
  for (;;) {
    queue.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    const next = queue[0]!
    if (next.at > horizon) return { monthlyCost, renewalsCovered: null, firstFailureAt: null }
    const cost = next.free > 0 ? 0 : next.price
    if (cost > left) return { monthlyCost, renewalsCovered: covered, firstFailureAt: next.at }
    left -= cost
    covered++
    next.free = Math.max(0, next.free - 1)
    next.at = addMonths(next.at, 1)
  }
}
