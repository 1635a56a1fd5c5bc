import type { CouponType } from "./events.ts"

/** A coupon's terms, from the admin table (the stream counts its uses). */
export interface CouponTerms {
  readonly code: string
  readonly type: CouponType
  readonly isActive: boolean
  readonly validFrom: string | null
  readonly validUntil: string | null
  readonly maxUses: number | null
  readonly maxUsesPerUser: number
  /** CREDIT_TOPUP: rupiah credited. SUBSCRIPTION_DISCOUNT: percent (1–100) or rupiah off. */
  readonly value: number
  readonly discountKind: "PERCENT" | "FIXED" | null
  readonly serviceIds: ReadonlyArray<string>
  readonly planIds: ReadonlyArray<string>
  /** FREE_SERVICE: the plan given and for how many months. */
  readonly freePlanId: string | null
  readonly freeMonths: number | null
}

export interface CouponState {
  readonly uses: number
  readonly usesByUser: ReadonlyMap<string, number>
  readonly redemptions: ReadonlySet<string>
}

export const unusedCoupon: CouponState = { uses: 0, usesByUser: new Map(), redemptions: new Set() }
