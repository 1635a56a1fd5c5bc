/**
 * Calendar months in UTC: the same day of the next month, clamped to that month's last day
 * (Jan 31 → Feb 28/29, Mar 31 → Apr 30), time of day kept.
 */
export const addMonths = (iso: string, months: number): string => {
  const d = new Date(iso)
  const day = d.getUTCDate()
  const target = new Date(
    Date.UTC(
      d.getUTCFullYear(),
      d.getUTCMonth() + months,
      1,
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      d.getUTCMilliseconds()
    )
  )
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  target.setUTCDate(Math.min(day, lastDay))
  return target.toISOString()
}

/**
 * `amount × part / whole` in integer rupiah, exact (BigInt), rounded down or up.
 * Upgrade charges round down and refunds round up: every rounding favours the customer, so
 * what a customer pays never exceeds what the plans cost for the time held.
 */
export const prorate = (amount: number, part: number, whole: number, rounding: "down" | "up"): number => {
  if (whole <= 0 || part <= 0 || amount <= 0) return 0
  const p = BigInt(Math.min(part, whole))
  const numerator = BigInt(amount) * p
  const w = BigInt(whole)
  const quotient = numerator / w
  return Number(rounding === "up" && numerator % w !== 0n ? quotient + 1n : quotient)
}
