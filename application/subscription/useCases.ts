import { Effect, Either } from "effect"
import { walletStreamId } from "../../domain/ledger/index.ts"
import { quotaStreamId } from "../../domain/quota/index.ts"
import {
  decideCancel,
  decideSubscribe,
  decideSubscription,
  decideUpgrade,
  DuplicateSubscription,
  type PlanOnSale,
  quoteSubscribe,
  type SubscribeRequest,
  serviceGuardStreamId,
  subscriptionStreamId,
  tierRank,
  UpgradeRequired
} from "../../domain/subscription/index.ts"
import { couponStreamId } from "../../domain/coupon/index.ts"
import { couponTerms } from "../coupon/terms.ts"
import { Catalog, type PlanView } from "../ports/catalog.ts"
import { Cluster } from "../ports/cluster.ts"
import { instanceSpecOf } from "./instanceSpec.ts"
import { locate } from "./naming.ts"
import { type EventMetadata, VersionConflict } from "../ports/eventStore.ts"
import { IdGenerator, TransactionIds } from "../ports/ids.ts"
import { SubscriptionQueries, type SubscriptionView } from "../ports/subscriptionQueries.ts"
import { nowIso } from "../shared/clock.ts"
import {
  bind,
  couponStream,
  decideOn,
  peekAt,
  quotaStream,
  serviceGuardStream,
  subscriptionStream,
  walletStream
} from "../shared/streams.ts"
import { periodRefundIds } from "../shared/transactionIds.ts"
import { PlanNotAvailable, SubscriptionNotFound } from "./errors.ts"
import { decideOnLifecycle, onSubscription } from "./streams.ts"
import { ownerMayChange } from "../operations/streams.ts"

const onSale = (plan: PlanView): PlanOnSale => ({
  id: plan.id,
  name: plan.name,
  planType: plan.planType,
  monthlyPrice: plan.monthlyPrice,
  totalQuota: plan.totalQuota
})

/** The active plan and its service, or PlanNotAvailable. */
const availablePlan = Effect.fn("Subscriptions.availablePlan")(function* (planId: string) {
  const catalog = yield* Catalog
  const plan = yield* catalog.planById(planId)
  const service = plan && (yield* catalog.serviceById(plan.serviceId))
  if (plan === undefined || service === undefined || !plan.isActive || !service.isActive)
    return yield* new PlanNotAvailable({ planId })
  return { plan, service }
})

/**
 * DUPLICATE_SUBSCRIPTION offers the tiers above the plan the user holds (whatever plan was asked
 * for): the held subscription is only known once the guard refused, so its options come after.
 */
export const withHeldUpgradeOptions = Effect.fn("Subscriptions.withHeldUpgradeOptions")(function* (
  error: DuplicateSubscription
) {
  const held = yield* (yield* SubscriptionQueries).find(error.existingSubscriptionId)
  if (held === undefined) return error
  const higher = (yield* (yield* Catalog).plansOf(held.serviceId, false)).filter(
    (p) => tierRank(p.planType) > tierRank(held.planType)
  )
  return new DuplicateSubscription({
    existingSubscriptionId: error.existingSubscriptionId,
    upgradeOptions: higher.map((p) => p.id)
  })
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

/** The plan, its service and the coupon's terms, as the decision needs them. */
const subscribeRequest = Effect.fn("Subscriptions.request")(function* (input: SubscribeInput) {
  const { plan, service } = yield* availablePlan(input.planId)
  const coupon = input.couponCode === undefined ? undefined : yield* couponTerms(input.couponCode)
  const request: SubscribeRequest = {
    userId: input.userId,
    plan: onSale(plan),
    service: { id: service.id, slug: service.slug },
    coupon,
    bonus: input.bonus ?? false,
    instanceName: input.instanceName,
    autoRenew: input.autoRenew ?? true,
    now: yield* nowIso
  }
  return { request, plan }
})

/** The streams a subscribe reads, in the order their events are appended (the new subscription's last). */
const purchaseStreams = (request: SubscribeRequest) => ({
  guard: bind(serviceGuardStream, serviceGuardStreamId(request.userId, request.service.id)),
  ...(request.coupon === undefined ? {} : { coupon: bind(couponStream, couponStreamId(request.coupon.code)) }),
  wallet: bind(walletStream, walletStreamId(request.userId)),
  quota: bind(quotaStream, quotaStreamId(request.plan.id))
})

/** POST /api/subscriptions/validate: the rules subscribe applies, on a lock-free read; nothing written, no id taken. */
export const validateSubscription = Effect.fn("Subscriptions.validate")(function* (input: SubscribeInput) {
  const { request, plan } = yield* subscribeRequest(input)
  const states = yield* peekAt(purchaseStreams(request))
  const report = Either.match(quoteSubscribe(states, request), {
    onRight: (quote) => ({ valid: true, ...quote, errors: [] }),
    onLeft: (e) => ({
      valid: false,
      price: plan.monthlyPrice,
      discount: 0,
      balance: states.wallet.balance,
      balanceAfter: states.wallet.balance - plan.monthlyPrice,
      errors: [{ code: e._tag, details: e }]
    })
  })
  const errors = yield* Effect.forEach(report.errors, (e) =>
    e.details instanceof DuplicateSubscription
      ? Effect.map(withHeldUpgradeOptions(e.details), (details) => ({ ...e, details }))
      : Effect.succeed(e)
  )
  return { ...report, errors, plan, quotaAvailable: plan.availableQuota > 0 }
})

export const subscribe = Effect.fn("Subscriptions.subscribe")(function* (
  input: SubscribeInput,
  metadata: EventMetadata
) {
  const { request } = yield* subscribeRequest(input)
  const subscriptionId = yield* (yield* IdGenerator).uuid
  const chargeTransactionId = yield* (yield* TransactionIds).next
  const streams = {
    ...purchaseStreams(request),
    subscription: bind(subscriptionStream, subscriptionStreamId(subscriptionId))
  }
  yield* decideOn(
    streams,
    (states) => decideSubscribe(states, request, { subscriptionId, chargeTransactionId }),
    metadata
  ).pipe(Effect.catchTag("DuplicateSubscription", (e) => Effect.flip(withHeldUpgradeOptions(e))))
  return (yield* (yield* SubscriptionQueries).find(subscriptionId))!
})

/** The caller's own subscription (another user's is indistinguishable from none). */
export const ownSubscription = Effect.fn("Subscriptions.own")(function* (userId: string, subscriptionId: string) {
  const view = yield* (yield* SubscriptionQueries).find(subscriptionId)
  if (view === undefined || view.userId !== userId) return yield* new SubscriptionNotFound({ subscriptionId })
  return view
})

/**
 * Upgrade: higher tier of the same service; prorated charge (rounded down), new slot taken and
 * old released with the charge, period end unchanged. Retried if a concurrent upgrade moved the plan.
 */
export const upgradeSubscription = Effect.fn("Subscriptions.upgrade")(function* (
  userId: string,
  subscriptionId: string,
  newPlanId: string,
  options: { readonly bonus: boolean; readonly upgradeId?: string | undefined },
  metadata: EventMetadata
) {
  const upgradeId = options.upgradeId ?? (yield* (yield* IdGenerator).uuid)
  const chargeTransactionId = yield* (yield* TransactionIds).next
  const upgradeOf = (
    current: SubscriptionView,
    target: { readonly service: { readonly id: string }; readonly plan: PlanView }
  ) =>
    Effect.gen(function* () {
      if (target.service.id !== current.serviceId) {
        return yield* new UpgradeRequired({
          currentPlanType: current.planType,
          requestedPlanType: target.plan.planType
        })
      }
      const now = yield* nowIso
      const streams = {
        wallet: bind(walletStream, walletStreamId(userId)),
        oldQuota: bind(quotaStream, quotaStreamId(current.planId)),
        newQuota: bind(quotaStream, quotaStreamId(target.plan.id)),
        subscription: bind(subscriptionStream, subscriptionStreamId(subscriptionId))
      }
      const decide = (states: Parameters<typeof decideUpgrade>[0]) =>
        // The plan moved since we read it (a concurrent upgrade): start over with fresh reads.
        Either.flatMap(
          states.subscription.plan?.planId === current.planId
            ? Either.void
            : Either.left(new VersionConflict({ streamId: streams.subscription.id, expectedVersion: -1 })),
          () =>
            decideUpgrade(states, {
              upgradeId,
              to: onSale(target.plan),
              now,
              chargeTransactionId,
              bonus: options.bonus
            })
        )
      return { streams, decide }
    })
  const attempt = Effect.gen(function* () {
    const { streams, decide } = yield* upgradeOf(
      yield* ownSubscription(userId, subscriptionId),
      yield* availablePlan(newPlanId)
    )
    return yield* decideOn(streams, decide, metadata)
  })
  // The cluster is patched first: a patch that fails leaves the old plan with no money moved
  // (nothing to refund, no released slot to win back); a transaction that then fails (a race
  // the dry run could not see) puts the old resources back. What the log already refuses
  // (credit, quota, tier, state) is answered by a lock-free dry run before the cluster is touched:
  // the patch grows the volume, and Kubernetes never shrinks a PersistentVolumeClaim back.
  const current = yield* ownSubscription(userId, subscriptionId)
  const target = yield* availablePlan(newPlanId)
  const dryRun = yield* upgradeOf(current, target)
  yield* Effect.flatMap(peekAt(dryRun.streams), dryRun.decide).pipe(
    Effect.catchTag("VersionConflict", () => Effect.void)
  )
  const cluster = yield* Cluster
  // The new plan's resources applied (requests/limits, quota; the volume grows, never shrinks).
  if (
    target.service.id === current.serviceId &&
    tierRank(target.plan.planType) > tierRank(current.planType) &&
    !["TERMINATED", "ERROR"].includes(current.instanceStatus)
  ) {
    yield* cluster.apply(yield* instanceSpecOf(current, target.plan))
  }
  // On failure, converge on the plan actually recorded (a concurrent upgrade may have won).
  const restore = Effect.gen(function* () {
    const recorded = yield* (yield* SubscriptionQueries).find(subscriptionId)
    if (recorded && !["TERMINATED", "ERROR"].includes(recorded.instanceStatus))
      yield* cluster.apply(yield* instanceSpecOf(recorded))
  }).pipe(Effect.ignore)
  yield* attempt.pipe(
    Effect.retry({ while: (e) => e instanceof VersionConflict, times: 5 }),
    Effect.tapError(() => restore)
  )
  return (yield* (yield* SubscriptionQueries).find(subscriptionId))!
})

export const setAutoRenew = Effect.fn("Subscriptions.setAutoRenew")(function* (
  userId: string,
  subscriptionId: string,
  enabled: boolean,
  metadata: EventMetadata
) {
  yield* ownSubscription(userId, subscriptionId)
  yield* onSubscription(
    subscriptionId,
    (state) => decideSubscription({ _tag: "SetAutoRenew", enabled }, state),
    metadata
  )
  return (yield* (yield* SubscriptionQueries).find(subscriptionId))!
})

/** Cancel now: slot and service released, the unused part of the period refunded (rounded up). */
export const cancelSubscription = Effect.fn("Subscriptions.cancel")(function* (
  userId: string,
  subscriptionId: string,
  options: { readonly by: string; readonly reason: string; readonly refund: "prorated" | "none" | "full" },
  metadata: EventMetadata
) {
  const view = yield* ownSubscription(userId, subscriptionId)
  // The owner waits for an administrator's maintenance to end; an administrator's force-cancel does not.
  if (options.by === userId) yield* ownerMayChange(view.id)
  const now = yield* nowIso
  const refundTransactionIds = yield* periodRefundIds
  yield* decideOnLifecycle(
    view.id,
    (states) => decideCancel(states, { now, ...options, refundTransactionIds }),
    metadata
  )
  // The instance's resources go after the money is settled; a failure here leaves an orphan for cleanup.
  const at = yield* locate(view)
  yield* (yield* Cluster)
    .remove(at.namespace, at.name)
    .pipe(
      Effect.catchAll((error) =>
        Effect.logWarning("removing a cancelled instance failed").pipe(
          Effect.annotateLogs({ subscriptionId, error: error._tag })
        )
      )
    )
  return (yield* (yield* SubscriptionQueries).find(subscriptionId))!
})
