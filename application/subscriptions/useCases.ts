import { Clock, Effect, Either } from "effect"
import { chargeReference, type WalletCommand, walletStreamId } from "../../domain/ledger/index.ts"
import { quotaStreamId } from "../../domain/quota/index.ts"
import {
  claimService,
  decideSubscription,
  noSubscription,
  type PlanTerms,
  refundAllocation,
  releaseService,
  serviceGuardStreamId,
  subscriptionStreamId,
  DuplicateSubscription,
  tierRank,
  UpgradeRequired
} from "../../domain/subscription/index.ts"
import { decideQuotaStream } from "../catalog/useCases.ts"
import { couponEvents, couponStateOf, couponTerms } from "../coupons/useCases.ts"
import { couponStreamId, decideCouponUse } from "../../domain/coupon/index.ts"
import type { CouponView } from "../ports/coupons.ts"
import { planWalletCommands, walletStateOf } from "../ledger/walletStream.ts"
import { Catalog, type PlanView } from "../ports/catalog.ts"
import { Cluster } from "../ports/cluster.ts"
import { instanceSpecOf } from "./instanceSpec.ts"
import { locate } from "./naming.ts"
import { EventStore, type EventMetadata, type LoadedStream, VersionConflict } from "../ports/eventStore.ts"
import { IdGenerator, TransactionIds } from "../ports/ids.ts"
import { SubscriptionQueries } from "../ports/subscriptionQueries.ts"
import { runCommand } from "../shared/runCommand.ts"
import { guardEvents, guardStateOf, subEvents, subStateOf } from "./streams.ts"
import { PlanNotAvailable, SubscriptionNotFound } from "./errors.ts"

const terms = (plan: PlanView): PlanTerms => ({ planId: plan.id, planType: plan.planType, monthlyPrice: plan.monthlyPrice })
const nowIso = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms).toISOString())

/** The active plan and its service, or PlanNotAvailable. */
const availablePlan = Effect.fn("Subscriptions.availablePlan")(function*(planId: string) {
  const catalog = yield* Catalog
  const plan = yield* catalog.planById(planId)
  const service = plan && (yield* catalog.serviceById(plan.serviceId))
  if (plan === undefined || service === undefined || !plan.isActive || !service.isActive) return yield* new PlanNotAvailable({ planId })
  return { plan, service }
})

/**
 * DUPLICATE_SUBSCRIPTION offers the tiers above the plan the user holds (whatever plan was asked
 * for): the held subscription is only known once the guard refused, so its options come after.
 */
export const withHeldUpgradeOptions = Effect.fn("Subscriptions.withHeldUpgradeOptions")(function*(error: DuplicateSubscription) {
  const held = yield* (yield* SubscriptionQueries).find(error.existingSubscriptionId)
  if (held === undefined) return error
  const higher = (yield* (yield* Catalog).plansOf(held.serviceId, false)).filter((p) => tierRank(p.planType) > tierRank(held.planType))
  return new DuplicateSubscription({ existingSubscriptionId: error.existingSubscriptionId, upgradeOptions: higher.map((p) => p.id) })
})

interface SubscribeInput {
  readonly userId: string
  readonly planId: string
  readonly couponCode?: string | undefined
  /** An administrator's bonus subscription: no charge, no coupon. */
  readonly bonus?: boolean | undefined
  readonly instanceName?: string | undefined
  readonly autoRenew?: boolean | undefined
}

/** The whole subscribe decision over the four streams; shared by validate and subscribe. */
const planSubscribe = (
  loaded: ReadonlyMap<string, LoadedStream>,
  ids: { subscriptionId: string; chargeTransactionId: string },
  input: SubscribeInput,
  found: { plan: PlanView; serviceId: string; serviceSlug: string; coupon: CouponView | undefined },
  now: string
) => {
  const { plan } = found
  const guardId = serviceGuardStreamId(input.userId, found.serviceId)
  const quotaId = quotaStreamId(plan.id)
  const subId = subscriptionStreamId(ids.subscriptionId)
  return Either.gen(function*() {
    const guard = yield* claimService(ids.subscriptionId, [], guardStateOf(loaded.get(guardId))) // options: withHeldUpgradeOptions
    // Price after coupon: a discount or a free plan, counted under the coupon's own lock.
    const couponId = found.coupon && couponStreamId(found.coupon.code)
    const redeemed = found.coupon === undefined ? [] : (yield* decideCouponUse(found.coupon, {
      redemptionId: ids.subscriptionId,
      userId: input.userId,
      now,
      expectedType: ["SUBSCRIPTION_DISCOUNT", "FREE_SERVICE"],
      plan: { planId: plan.id, serviceId: found.serviceId, price: plan.monthlyPrice }
    }, couponStateOf(loaded.get(couponId!)))).map((e) => ({ ...e, subscriptionId: ids.subscriptionId }))
    const discount = redeemed[0]?.amount ?? 0
    const price = input.bonus ? 0 : plan.monthlyPrice - discount
    const wallet = walletStateOf(loaded.get(walletStreamId(input.userId)))
    const cause = { _tag: "SubscriptionPeriod" as const, subscriptionId: ids.subscriptionId, periodStart: now }
    // A bonus or FREE_SERVICE first month is a free grant on record: a 0-rupiah line in the history.
    const freeGrant = plan.monthlyPrice === 0 ? undefined : input.bonus ? "BONUS" as const : found.coupon?.type === "FREE_SERVICE" && redeemed.length > 0 ? "FREE_SERVICE" as const : undefined
    const charges: Array<WalletCommand> = price > 0
      ? [{ _tag: "ChargeWallet", transactionId: ids.chargeTransactionId, amount: price, reference: chargeReference(cause), cause, description: `${plan.name}, first month` }]
      : freeGrant
      ? [{
        _tag: "RecordFreeGrant", transactionId: ids.chargeTransactionId, reference: chargeReference(cause), cause, reason: freeGrant,
        description: `${plan.name}, first month free (${freeGrant === "BONUS" ? "bonus subscription" : `FREE_SERVICE coupon ${found.coupon!.code}`})`
      }]
      : []
    const walletPlan = yield* planWalletCommands(input.userId, wallet, charges)
    const quota = yield* decideQuotaStream(loaded, quotaId, { _tag: "TakeSlot", subscriptionId: ids.subscriptionId, catalogCapacity: plan.totalQuota })
    const created = yield* decideSubscription({
      _tag: "Subscribe",
      subscriptionId: ids.subscriptionId,
      userId: input.userId,
      serviceId: found.serviceId,
      plan: terms(plan),
      charged: price,
      chargeTransactionId: price > 0 ? ids.chargeTransactionId : null,
      now,
      autoRenew: input.autoRenew ?? true,
      instanceName: input.instanceName ?? `${found.serviceSlug}-${ids.subscriptionId.slice(0, 8)}`,
      freeMonths: found.coupon?.type === "FREE_SERVICE" && redeemed.length > 0 && !input.bonus
        ? { couponCode: found.coupon.code, months: Math.max(0, (found.coupon.freeMonths ?? 1) - 1) }
        : undefined
    }, noSubscription)
    return {
      appends: [
        ...guardEvents(guardId, guard),
        ...(couponId ? couponEvents(couponId, redeemed) : []),
        ...(walletPlan.append ? [walletPlan.append] : []),
        ...quota,
        ...subEvents(subId, created)
      ],
      price,
      discount,
      balance: wallet.balance,
      balanceAfter: walletPlan.after.balance
    }
  })
}

const subscribeStreams = (userId: string, serviceId: string, planId: string, subscriptionId: string, couponCode: string | undefined) => [
  walletStreamId(userId),
  quotaStreamId(planId),
  subscriptionStreamId(subscriptionId),
  serviceGuardStreamId(userId, serviceId),
  ...(couponCode ? [couponStreamId(couponCode)] : [])
]

const withCoupon = Effect.fn("Subscriptions.withCoupon")(function*(found: Effect.Effect.Success<ReturnType<typeof availablePlan>>, couponCode: string | undefined) {
  const coupon = couponCode === undefined ? undefined : yield* couponTerms(couponCode)
  return { plan: found.plan, serviceId: found.service.id, serviceSlug: found.service.slug, coupon }
})

/** POST /api/subscriptions/validate: exactly what subscribe would decide, without doing it. */
export const validateSubscription = Effect.fn("Subscriptions.validate")(function*(input: SubscribeInput) {
  const found = yield* availablePlan(input.planId)
  const now = yield* nowIso
  const ids = { subscriptionId: "00000000-0000-4000-8000-000000000000", chargeTransactionId: "TXMP-0" }
  const store = yield* EventStore
  let report: { valid: boolean; price: number; discount: number; balance: number; balanceAfter: number; errors: ReadonlyArray<{ code: string; details: unknown }> } | undefined
  const context = yield* withCoupon(found, input.couponCode)
  yield* store.transact(subscribeStreams(input.userId, found.service.id, found.plan.id, ids.subscriptionId, context.coupon?.code), (loaded) => {
    const wallet = walletStateOf(loaded.get(walletStreamId(input.userId)))
    const decision = planSubscribe(loaded, ids, input, context, now)
    report = Either.match(decision, {
      onRight: (d) => ({ valid: true, price: d.price, discount: d.discount, balance: d.balance, balanceAfter: d.balanceAfter, errors: [] }),
      onLeft: (e) => ({ valid: false, price: found.plan.monthlyPrice, discount: 0, balance: wallet.balance, balanceAfter: wallet.balance - found.plan.monthlyPrice, errors: [{ code: e._tag, details: e }] })
    })
    return Either.right([]) // a dry run writes nothing
  }, {}, new Date(yield* Clock.currentTimeMillis))
  const errors = yield* Effect.forEach(report!.errors, (e) =>
    e.details instanceof DuplicateSubscription ? Effect.map(withHeldUpgradeOptions(e.details), (details) => ({ ...e, details })) : Effect.succeed(e))
  return { ...report!, errors, plan: found.plan, quotaAvailable: found.plan.availableQuota > 0 }
})

export const subscribe = Effect.fn("Subscriptions.subscribe")(function*(input: SubscribeInput, metadata: EventMetadata) {
  const found = yield* availablePlan(input.planId)
  const subscriptionId = yield* (yield* IdGenerator).uuid
  const chargeTransactionId = yield* (yield* TransactionIds).next
  const now = yield* nowIso
  const context = yield* withCoupon(found, input.couponCode)
  yield* runCommand(subscribeStreams(input.userId, found.service.id, found.plan.id, subscriptionId, context.coupon?.code), (loaded) =>
    Either.map(
      planSubscribe(loaded, { subscriptionId, chargeTransactionId }, input, context, now),
      (d) => d.appends
    ), metadata).pipe(Effect.catchTag("DuplicateSubscription", (e) => Effect.flip(withHeldUpgradeOptions(e))))
  return (yield* (yield* SubscriptionQueries).find(subscriptionId))!
})

/** The caller's own subscription (another user's is indistinguishable from none). */
export const ownSubscription = Effect.fn("Subscriptions.own")(function*(userId: string, subscriptionId: string) {
  const view = yield* (yield* SubscriptionQueries).find(subscriptionId)
  if (view === undefined || view.userId !== userId) return yield* new SubscriptionNotFound({ subscriptionId })
  return view
})

/**
 * Upgrade: higher tier of the same service; prorated charge (rounded down), new slot taken and
 * old released with the charge, period end unchanged. Retried if a concurrent upgrade moved the plan.
 */
export const upgradeSubscription = Effect.fn("Subscriptions.upgrade")(function*(
  userId: string,
  subscriptionId: string,
  newPlanId: string,
  options: { readonly bonus: boolean; readonly upgradeId?: string | undefined },
  metadata: EventMetadata
) {
  const upgradeId = options.upgradeId ?? (yield* (yield* IdGenerator).uuid)
  const chargeTransactionId = yield* (yield* TransactionIds).next
  const attempt = Effect.gen(function*() {
    const current = yield* ownSubscription(userId, subscriptionId)
    const target = yield* availablePlan(newPlanId)
    if (target.service.id !== current.serviceId) {
      return yield* new UpgradeRequired({ currentPlanType: current.planType, requestedPlanType: target.plan.planType })
    }
    const now = yield* nowIso
    const subId = subscriptionStreamId(subscriptionId)
    const oldQuota = quotaStreamId(current.planId)
    const newQuota = quotaStreamId(target.plan.id)
    return yield* runCommand([walletStreamId(userId), oldQuota, newQuota, subId], (loaded) =>
      Either.gen(function*() {
        const sub = subStateOf(loaded.get(subId))
        // The plan moved since we read it (a concurrent upgrade): start over with fresh reads.
        if (sub.plan?.planId !== current.planId) return yield* Either.left(new VersionConflict({ streamId: subId, expectedVersion: -1 }))
        const upgraded = yield* decideSubscription({ _tag: "Upgrade", upgradeId, to: terms(target.plan), now, chargeTransactionId, bonus: options.bonus }, sub)
        const event = upgraded[0]
        if (event === undefined || event._tag !== "SubscriptionUpgraded") return subEvents(subId, upgraded)
        const released = yield* decideQuotaStream(loaded, oldQuota, { _tag: "ReleaseSlot", subscriptionId })
        const taken = yield* decideQuotaStream(loaded, newQuota, { _tag: "TakeSlot", subscriptionId, catalogCapacity: target.plan.totalQuota })
        const cause = { _tag: "Upgrade" as const, subscriptionId, upgradeId }
        const walletPlan = yield* planWalletCommands(userId, walletStateOf(loaded.get(walletStreamId(userId))), event.charged > 0
          ? [{ _tag: "ChargeWallet", transactionId: chargeTransactionId, amount: event.charged, reference: chargeReference(cause), cause, description: `Upgrade to ${target.plan.name}, prorated` }]
          : options.bonus
          // A bonus upgrade is a free grant on record: a 0-rupiah line in the history.
          ? [{ _tag: "RecordFreeGrant", transactionId: chargeTransactionId, reference: chargeReference(cause), cause, reason: "BONUS", description: `Upgrade to ${target.plan.name}, free (bonus upgrade)` }]
          : [])
        return [
          ...(walletPlan.append ? [walletPlan.append] : []),
          ...released,
          ...taken,
          ...subEvents(subId, upgraded)
        ]
      }), metadata)
  })
  // The cluster is patched first: a patch that fails leaves the old plan with no money moved
  // (nothing to refund, no released slot to win back); a transaction that then fails (credit,
  // quota, a concurrent upgrade) puts the old resources back.
  const current = yield* ownSubscription(userId, subscriptionId)
  const target = yield* availablePlan(newPlanId)
  const cluster = yield* Cluster
  // The new plan's resources applied (requests/limits, quota; the volume grows, never shrinks).
  if (target.service.id === current.serviceId && tierRank(target.plan.planType) > tierRank(current.planType) && !["TERMINATED", "ERROR"].includes(current.instanceStatus)) {
    yield* cluster.apply(yield* instanceSpecOf(current, target.plan))
  }
  // On failure, converge on the plan actually recorded (a concurrent upgrade may have won).
  const restore = Effect.gen(function*() {
    const recorded = yield* (yield* SubscriptionQueries).find(subscriptionId)
    if (recorded && !["TERMINATED", "ERROR"].includes(recorded.instanceStatus)) yield* cluster.apply(yield* instanceSpecOf(recorded))
  }).pipe(Effect.ignore)
  yield* attempt.pipe(
    Effect.retry({ while: (e) => e instanceof VersionConflict, times: 5 }),
    Effect.tapError(() => restore)
  )
  return (yield* (yield* SubscriptionQueries).find(subscriptionId))!
})

export const setAutoRenew = Effect.fn("Subscriptions.setAutoRenew")(function*(userId: string, subscriptionId: string, enabled: boolean, metadata: EventMetadata) {
  yield* ownSubscription(userId, subscriptionId)
  const subId = subscriptionStreamId(subscriptionId)
  yield* runCommand([subId], (loaded) =>
    Either.map(decideSubscription({ _tag: "SetAutoRenew", enabled }, subStateOf(loaded.get(subId))), (events) => subEvents(subId, events)), metadata)
  return (yield* (yield* SubscriptionQueries).find(subscriptionId))!
})

/** Cancel now: slot and service released, the unused part of the period refunded (rounded up). */
export const cancelSubscription = Effect.fn("Subscriptions.cancel")(function*(
  userId: string,
  subscriptionId: string,
  options: { readonly by: string; readonly reason: string; readonly refund: "prorated" | "none" | "full" },
  metadata: EventMetadata
) {
  const view = yield* ownSubscription(userId, subscriptionId)
  const now = yield* nowIso
  const ids = yield* TransactionIds
  // A period has at most 5 charges: the first month and one upgrade per higher tier.
  const refundIds = [yield* ids.next, yield* ids.next, yield* ids.next, yield* ids.next, yield* ids.next]
  const subId = subscriptionStreamId(subscriptionId)
  const quotaId = quotaStreamId(view.planId)
  const guardId = serviceGuardStreamId(userId, view.serviceId)
  yield* runCommand([walletStreamId(userId), quotaId, subId, guardId], (loaded) =>
    Either.gen(function*() {
      const sub = subStateOf(loaded.get(subId))
      const wallet = walletStateOf(loaded.get(walletStreamId(userId)))
      const refundable = sub.periodCharges.map((c) => ({ transactionId: c.transactionId, amount: c.amount - (wallet.charges.get(c.transactionId)?.refunded ?? 0) }))
      const cancelled = yield* decideSubscription({ _tag: "Cancel", now, by: options.by, reason: options.reason, refund: options.refund, refundable }, sub)
      const event = cancelled[0]
      const refunded = event?._tag === "SubscriptionCancelled" ? event.refunded : 0
      const refunds: Array<WalletCommand> = refundAllocation(refunded, refundable).map((r, i) => ({
        _tag: "RefundCharge",
        transactionId: refundIds[i]!,
        amount: r.amount,
        reference: `cancel:${subscriptionId}:${r.transactionId}`,
        chargeTransactionId: r.transactionId,
        reason: `Cancellation of ${subscriptionId}: ${options.reason}`
      }))
      const walletPlan = yield* planWalletCommands(userId, wallet, refunds)
      // A suspended subscription released its slot when it was suspended.
      const released = sub.status === "SUSPENDED" ? [] : yield* decideQuotaStream(loaded, quotaId, { _tag: "ReleaseSlot", subscriptionId })
      return [
        ...(walletPlan.append ? [walletPlan.append] : []),
        ...released,
        ...subEvents(subId, cancelled),
        ...guardEvents(guardId, releaseService(subscriptionId, guardStateOf(loaded.get(guardId))))
      ]
    }), metadata)
  // The instance's resources go after the money is settled; a failure here leaves an orphan for cleanup.
  const at = yield* locate(view)
  yield* (yield* Cluster).remove(at.namespace, at.name).pipe(
    Effect.catchAll((error) => Effect.logWarning("removing a cancelled instance failed").pipe(Effect.annotateLogs({ subscriptionId, error: error._tag })))
  )
  return (yield* (yield* SubscriptionQueries).find(subscriptionId))!
})
