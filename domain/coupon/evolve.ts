import type { CouponEvent } from "./events.ts"
import { type CouponState, unusedCoupon } from "./state.ts"

export const evolveCoupon = (state: CouponState, event: CouponEvent): CouponState => ({
  uses: state.uses + 1,
  usesByUser: new Map(state.usesByUser).set(event.userId, (state.usesByUser.get(event.userId) ?? 0) + 1),
  redemptions: new Set(state.redemptions).add(event.redemptionId)
})

export const replayCoupon = (events: Iterable<CouponEvent>): CouponState => {
  let state = unusedCoupon
  for (const e of events) state = evolveCoupon(state, e)
  return state
}
