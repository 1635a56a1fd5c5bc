import { renewAfterCreditQuietly } from "../renewals/useCases.ts"
import { Effect, Either } from "effect"
import { couponBenefit, couponStreamId, decideCreditRedemption, ensureCouponUsable } from "../../domain/coupon/index.ts"
import { walletStreamId } from "../../domain/ledger/index.ts"
import { Catalog } from "../ports/catalog.ts"
import type { EventMetadata } from "../ports/eventStore.ts"
import { IdGenerator, TransactionIds } from "../ports/ids.ts"
import { nowIso } from "../shared/clock.ts"
import { couponTerms } from "./terms.ts"
import { bind, couponStream, decideOn, peekAt, walletStream } from "../shared/streams.ts"

/** POST /api/wallet/validate-coupon: what the coupon would give now; redeems nothing. */
export const validateCoupon = Effect.fn("Coupons.validate")(function* (
  userId: string,
  code: string,
  planId: string | undefined
) {
  const terms = yield* couponTerms(code)
  const plan = planId === undefined ? undefined : yield* (yield* Catalog).planById(planId)
  const { coupon: state } = yield* peekAt({ coupon: bind(couponStream, couponStreamId(terms.code)) })
  const now = yield* nowIso
  const use = {
    userId,
    now,
    expectedType: terms.type,
    plan: plan && { planId: plan.id, serviceId: plan.serviceId, price: plan.monthlyPrice }
  }
  return Either.match(ensureCouponUsable(terms, use, state), {
    onLeft: (e) => ({ valid: false, code: terms.code, type: terms.type, reason: e.reason, benefit: 0 }),
    onRight: () => ({
      valid: true,
      code: terms.code,
      type: terms.type,
      reason: null,
      benefit: couponBenefit(terms, use.plan),
      freeMonths: terms.freeMonths
    })
  })
})

/** POST /api/wallet/redeem-coupon: a CREDIT_TOPUP coupon, promotions → wallet, counted under the coupon's lock. */
export const redeemCreditCoupon = Effect.fn("Coupons.redeemCredit")(function* (
  userId: string,
  code: string,
  metadata: EventMetadata
) {
  const terms = yield* couponTerms(code)
  const redemptionId = yield* (yield* IdGenerator).uuid
  const transactionId = yield* (yield* TransactionIds).next
  const now = yield* nowIso
  const { credited, transactionId: creditTransactionId } = yield* decideOn(
    {
      coupon: bind(couponStream, couponStreamId(terms.code)),
      wallet: bind(walletStream, walletStreamId(userId))
    },
    (states) => decideCreditRedemption(states, { terms, redemptionId, userId, now, transactionId }),
    metadata
  )
  if (credited > 0) yield* renewAfterCreditQuietly(userId)
  return { code: terms.code, redemptionId, credited, transactionId: creditTransactionId }
})
