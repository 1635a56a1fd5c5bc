import { Schema } from "effect"

/** A money movement is always strictly positive; direction is carried by the accounts. */
export const PositiveRupiah = Schema.Int.pipe(
  Schema.greaterThan(0),
  Schema.lessThanOrEqualTo(Number.MAX_SAFE_INTEGER),
  Schema.annotations({ identifier: "PositiveRupiah", description: "Integer amount in rupiah, > 0" })
)

export const isPositiveRupiah = (n: number): boolean => Number.isSafeInteger(n) && n > 0

/** Adds two rupiah amounts, or returns undefined when the result leaves the safe-integer range. */
export const addRupiah = (a: number, b: number): number | undefined => {
  const sum = a + b
  return Number.isSafeInteger(sum) ? sum : undefined
}
