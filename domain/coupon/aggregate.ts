import type { Aggregate } from "../shared/index.ts"
import { CouponEvent } from "./events.ts"
import { evolveCoupon } from "./evolve.ts"
import { type CouponState, unusedCoupon } from "./state.ts"

/** coupon-<code>: the coupon's uses (its terms live in the admin table). */
export const couponAggregate: Aggregate<CouponState, CouponEvent> = {
  event: CouponEvent,
  initial: unusedCoupon,
  evolve: evolveCoupon
}
