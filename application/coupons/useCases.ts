import { renewAfterCreditQuietly } from "../renewals/useCases.ts"
import { Clock, Effect, Either, Schema } from "effect"
import { CouponEvent, couponStreamId, decideCouponUse, InvalidCoupon, replayCoupon } from "../../domain/coupon/index.ts"
import { walletStreamId, type WalletError } from "../../domain/ledger/index.ts"
import { planWalletCommands, walletStateOf, writtenTransactionIds } from "../ledger/walletStream.ts"
import { Catalog } from "../ports/catalog.ts"
import { Coupons } from "../ports/coupons.ts"
import { EventStore, type EventMetadata, type LoadedStream, type StreamEvents } from "../ports/eventStore.ts"
import { IdGenerator, TransactionIds } from "../ports/ids.ts"
import { runCommand } from "../shared/runCommand.ts"

const decode = Schema.decodeUnknownSync(CouponEvent)
const encode = Schema.encodeSync(CouponEvent)

export const couponStateOf = (stream: LoadedStream | undefined) => replayCoupon((stream?.events ?? []).map((e) => decode(e.data)))
export const couponEvents = (streamId: string, events: ReadonlyArray<CouponEvent>): Array<StreamEvents> =>
  events.length === 0 ? [] : [{ streamId, events: events.map((e) => ({ type: e._tag, data: encode(e) })) }]

export const normalizeCode = (code: string) => code.trim().toUpperCase()

/** The coupon's terms, or INVALID_COUPON (NOT_FOUND). */
export const couponTerms = Effect.fn("Coupons.terms")(function*(code: string) {
  const coupon = yield* (yield* Coupons).byCode(normalizeCode(code))
  if (coupon === undefined) return yield* new InvalidCoupon({ code: normalizeCode(code), reason: "NOT_FOUND" })
  return coupon
})

/** POST /api/wallet/validate-coupon: what the coupon would give now; redeems nothing. */
export const validateCoupon = Effect.fn("Coupons.validate")(function*(userId: string, code: string, planId: string | undefined) {
  const terms = yield* couponTerms(code)
  const plan = planId === undefined ? undefined : yield* (yield* Catalog).planById(planId)
  const state = couponStateOf(yield* (yield* EventStore).readStream(couponStreamId(terms.code)))
  const now = new Date(yield* Clock.currentTimeMillis).toISOString()
  const decision = decideCouponUse(terms, {
    redemptionId: "preview",
    userId,
    now,
    expectedType: terms.type,
    plan: plan && { planId: plan.id, serviceId: plan.serviceId, price: plan.monthlyPrice }
  }, state)
  return Either.match(decision, {
    onLeft: (e) => ({ valid: false, code: terms.code, type: terms.type, reason: e.reason, benefit: 0 }),
    onRight: (events) => ({ valid: true, code: terms.code, type: terms.type, reason: null, benefit: events[0]?.amount ?? 0, freeMonths: terms.freeMonths })
  })
})

/** POST /api/wallet/redeem-coupon: a CREDIT_TOPUP coupon, promotions → wallet, counted under the coupon's lock. */
export const redeemCreditCoupon = Effect.fn("Coupons.redeemCredit")(function*(userId: string, code: string, metadata: EventMetadata) {
  const terms = yield* couponTerms(code)
  const redemptionId = yield* (yield* IdGenerator).uuid
  const transactionId = yield* (yield* TransactionIds).next
  const now = new Date(yield* Clock.currentTimeMillis).toISOString()
  const couponId = couponStreamId(terms.code)
  let credited = 0
  const recorded = yield* runCommand<InvalidCoupon | WalletError>([couponId, walletStreamId(userId)], (loaded) =>
    Either.gen(function*() {
      const events = yield* decideCouponUse(terms, { redemptionId, userId, now, expectedType: "CREDIT_TOPUP" }, couponStateOf(loaded.get(couponId)))
      credited = events[0]?.amount ?? 0
      const wallet = yield* planWalletCommands(userId, walletStateOf(loaded.get(walletStreamId(userId))), credited > 0
        ? [{ _tag: "GrantCouponCredit", transactionId, amount: credited, reference: `coupon:${redemptionId}`, couponCode: terms.code }]
        : [])
      return [...couponEvents(couponId, events), ...(wallet.append ? [wallet.append] : [])]
    }), metadata)
  if (credited > 0) yield* renewAfterCreditQuietly(userId)
  return { code: terms.code, redemptionId, credited, transactionId: credited > 0 ? writtenTransactionIds(userId, recorded)[0]! : null }
})
