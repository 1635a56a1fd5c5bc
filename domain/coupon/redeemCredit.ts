import { Either } from "effect"
import {
  couponCreditReference,
  decideWallet,
  type WalletError,
  type WalletEvent,
  type WalletState
} from "../ledger/index.ts"
import type { Outcome } from "../shared/index.ts"
import { decideCouponUse } from "./decide.ts"
import type { InvalidCoupon } from "./errors.ts"
import type { CouponEvent } from "./events.ts"
import type { CouponState, CouponTerms } from "./state.ts"

export interface CreditRedemptionRequest {
  readonly terms: CouponTerms
  readonly redemptionId: string
  readonly userId: string
  readonly now: string
  /** The credit's id, if the coupon gives any. */
  readonly transactionId: string
}

/** A CREDIT_TOPUP coupon: its use counted under the coupon's lock, its value credited (promotions → wallet). */
export const decideCreditRedemption = (
  states: { readonly coupon: CouponState; readonly wallet: WalletState },
  request: CreditRedemptionRequest
): Either.Either<
  Outcome<
    { readonly coupon: ReadonlyArray<CouponEvent>; readonly wallet: ReadonlyArray<WalletEvent> },
    { readonly credited: number; readonly transactionId: string | null }
  >,
  InvalidCoupon | WalletError
> =>
  Either.gen(function* () {
    const { terms, redemptionId } = request
    const coupon = yield* decideCouponUse(
      terms,
      { redemptionId, userId: request.userId, now: request.now, expectedType: "CREDIT_TOPUP" },
      states.coupon
    )
    const credited = coupon[0]?.amount ?? 0
    const wallet =
      credited === 0
        ? []
        : yield* decideWallet(
            {
              _tag: "GrantCouponCredit",
              transactionId: request.transactionId,
              amount: credited,
              reference: couponCreditReference(redemptionId),
              couponCode: terms.code
            },
            states.wallet
          )
    return {
      events: { coupon, wallet },
      result: { credited, transactionId: credited > 0 ? request.transactionId : null }
    }
  })
