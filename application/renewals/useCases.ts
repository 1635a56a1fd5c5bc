import { Clock, Context, Effect, Either } from "effect"
import { emptyQuota } from "../../domain/quota/index.ts"
import {
  decideReactivation,
  decideRenewal,
  type RenewalOutcome,
  type RenewalStates,
  type RenewalTrigger,
  runwayOf
} from "../../domain/subscription/index.ts"
import { Catalog } from "../ports/catalog.ts"
import { Cluster } from "../ports/cluster.ts"
import type { EventMetadata } from "../ports/eventStore.ts"
import { TransactionIds } from "../ports/ids.ts"
import { LeaderLock } from "../ports/paymentQueries.ts"
import { type RenewalCandidate, SubscriptionQueries } from "../ports/subscriptionQueries.ts"
import { WalletQueries } from "../ports/walletQueries.ts"
import { nowIso } from "../shared/clock.ts"
import { decideOn } from "../shared/streams.ts"
import { locate } from "../subscription/naming.ts"
import { decideOnLifecycle, lifecycleStreams } from "../subscription/streams.ts"
import { SubscriptionNotFound } from "../subscription/errors.ts"
import { ownSubscription } from "../subscription/useCases.ts"

export interface RenewalPolicyService {
  /** A suspended subscription can be reactivated for this long, then expires (SUSPENSION_RETENTION_DAYS). */
  readonly retentionDays: number
}
export class RenewalPolicy extends Context.Tag("app/RenewalPolicy")<RenewalPolicy, RenewalPolicyService>() {}

const scheduler: EventMetadata = { actor: "renewal-scheduler" }

const renewalEvents = (outcome: RenewalOutcome) => ({
  wallet: outcome.wallet,
  quota: outcome.quota,
  subscription: outcome.subscription,
  guard: outcome.guard
})

/** The quota and guard streams are locked only when needed: a plan's quota is hot, renewals are many. */
class NeedsWideLock {
  readonly _tag = "NeedsWideLock"
}

/** After the commit: a suspended instance goes to 0 replicas, an expired one is deleted (PVC included). */
const applyToCluster = (c: RenewalCandidate, cluster: RenewalOutcome["cluster"]) =>
  Effect.gen(function* () {
    if (cluster === "none") return
    const port = yield* Cluster
    const { namespace, name } = yield* locate(c)
    const action =
      cluster === "remove" ? port.remove(namespace, name) : port.scale(namespace, name, cluster === "scaleUp" ? 1 : 0)
    yield* action.pipe(
      Effect.catchAll((error) =>
        Effect.logWarning("cluster action after a renewal decision failed").pipe(
          Effect.annotateLogs({ subscriptionId: c.id, action: cluster, error: error._tag })
        )
      )
    )
  })

/**
 * One renewal decision in one transaction (decideRenewal). Returns what it wrote and what the
 * cluster must do (nothing when there was nothing to do). Trigger "credit": credit just arrived —
 * only a renewal is written; grace, suspension and expiry stay the scheduler's.
 */
const renewalStep = (c: RenewalCandidate, trigger: RenewalTrigger, retentionDays: number, metadata: EventMetadata) =>
  Effect.gen(function* () {
    const chargeTransactionId = yield* (yield* TransactionIds).next
    const { wallet, subscription } = lifecycleStreams(c)
    const decide = (states: RenewalStates, now: string) =>
      Either.map(decideRenewal(states, { now, trigger, chargeTransactionId, retentionDays }), (decided) =>
        trigger === "credit" && decided.subscription[0]?._tag !== "SubscriptionRenewed" ? nothingDone : decided
      )
    const narrow = Effect.flatMap(nowIso, (now) =>
      decideOn(
        { wallet, subscription },
        (states) =>
          Either.flatMap(decide({ ...states, quota: emptyQuota, guard: { holder: undefined } }, now), (outcome) =>
            outcome.cluster !== "none" || outcome.guard.length > 0
              ? Either.left(new NeedsWideLock())
              : Either.right({
                  events: { wallet: outcome.wallet, subscription: outcome.subscription },
                  result: outcome
                })
          ),
        metadata
      )
    )
    // Re-read by id: an upgrade committed since the candidate was read moves the quota stream.
    const all = Effect.flatMap(nowIso, (now) =>
      decideOnLifecycle(
        c.id,
        (states) => Either.map(decide(states, now), (outcome) => ({ events: renewalEvents(outcome), result: outcome })),
        metadata
      )
    )
    return yield* narrow.pipe(
      Effect.catchIf(
        (e): e is NeedsWideLock => e instanceof NeedsWideLock,
        () => all
      )
    )
  })

const nothingDone: RenewalOutcome = { subscription: [], wallet: [], quota: [], guard: [], cluster: "none" }

export interface RenewalCounts {
  renewed: number
  graceStarted: number
  retriesFailed: number
  suspended: number
  expired: number
  failed: number
}

const emptyCounts = (): RenewalCounts => ({
  renewed: 0,
  graceStarted: 0,
  retriesFailed: 0,
  suspended: 0,
  expired: 0,
  failed: 0
})

const count = (counts: RenewalCounts, events: RenewalOutcome["subscription"]) => {
  for (const e of events) {
    if (e._tag === "SubscriptionRenewed") counts.renewed++
    else if (e._tag === "GracePeriodStarted") counts.graceStarted++
    else if (e._tag === "RenewalRetryFailed") counts.retriesFailed++
    else if (e._tag === "SubscriptionSuspended") counts.suspended++
    else if (e._tag === "SubscriptionExpired") counts.expired++
  }
}

/** Repeats steps while the subscription stays due (a clock jump over several periods). */
const settle = (c: RenewalCandidate, counts: RenewalCounts, metadata: EventMetadata, clusterSlots?: Effect.Semaphore) =>
  Effect.gen(function* () {
    const retentionDays = (yield* RenewalPolicy).retentionDays
    for (let i = 0; i < 120; i++) {
      const outcome = yield* renewalStep(c, "schedule", retentionDays, metadata)
      const action = applyToCluster(c, outcome.cluster)
      yield* clusterSlots === undefined || outcome.cluster === "none" ? action : clusterSlots.withPermits(1)(action)
      const events = outcome.subscription
      if (events.length === 0) return
      count(counts, events)
      // Another step only if this one left the subscription due again (a clock jump over several
      // periods, a grace already over); a retry waits for tomorrow, a suspension for its retention.
      const now = yield* nowIso
      const last = events[events.length - 1]!
      const dueAgain =
        (last._tag === "SubscriptionRenewed" && last.periodEnd <= now) ||
        (last._tag === "GracePeriodStarted" && last.graceEndsAt <= now)
      if (!dueAgain) return
    }
  })

/**
 * One pass over everything due: safe beside other passes on other replicas (each step locks its
 * streams and re-decides; a period's charge reference makes a double charge impossible), and
 * resumable after a crash at any point (each step is one transaction).
 * `concurrency` renewals are decided at once: the event store commits concurrent steps together
 * (group commit), so this is not a number of connections; cluster calls stay at 16 at a time.
 * 256 keeps several batches (of at most 64) in flight: one locks and decides while another commits;
 * candidates are read 2,000 at a time, so the pass rarely waits for the slowest of a page.
 */
export const processRenewals = Effect.fn("Renewals.process")(function* (
  options: { readonly batch?: number; readonly concurrency?: number } = {}
) {
  const queries = yield* SubscriptionQueries
  const clusterSlots = yield* Effect.makeSemaphore(16)
  const counts = emptyCounts()
  const failedIds: Array<string> = []
  const batch = options.batch ?? 2000
  for (;;) {
    const now = new Date(yield* Clock.currentTimeMillis)
    const due = yield* queries.renewalCandidates(now, batch, failedIds)
    if (due.length === 0) break
    yield* Effect.forEach(
      due,
      (c) =>
        settle(c, counts, scheduler, clusterSlots).pipe(
          Effect.catchAllCause((cause) =>
            Effect.sync(() => {
              counts.failed++
              failedIds.push(c.id)
            }).pipe(
              Effect.zipRight(
                Effect.logError("renewal step failed").pipe(
                  Effect.annotateLogs({ subscriptionId: c.id, cause: String(cause) })
                )
              )
            )
          )
        ),
      { concurrency: options.concurrency ?? 256, discard: true }
    )
  }
  return counts
})

/** The scheduler's tick: one replica at a time (advisory lock); the others skip. */
export const runScheduledRenewals = Effect.fn("Renewals.runScheduled")(function* () {
  let counts: RenewalCounts | undefined
  const ran = yield* (yield* LeaderLock).runIfLeader(
    "renewals.run",
    Effect.map(processRenewals(), (c) => (counts = c))
  )
  return { ran, counts: counts ?? emptyCounts() }
})

/** Credit reached the wallet: an unpaid period (due or in grace) is renewed now, not at the next tick. */
export const renewAfterCredit = Effect.fn("Renewals.afterCredit")(function* (userId: string) {
  const unpaid = yield* (yield* SubscriptionQueries).unpaidOf(userId, new Date(yield* Clock.currentTimeMillis))
  const counts = emptyCounts()
  for (const c of unpaid) {
    // Renewals only (no cluster action): grace, suspension and expiry stay the scheduler's.
    for (let i = 0; i < 120; i++) {
      const { subscription } = yield* renewalStep(c, "credit", 0, { actor: "renewal-after-credit" })
      if (subscription.length === 0) break
      count(counts, subscription)
    }
  }
  return counts
})

/** Never lets a renewal problem fail the credit that triggered it; the scheduler retries anyway. */
export const renewAfterCreditQuietly = (userId: string) =>
  renewAfterCredit(userId).pipe(
    Effect.catchAllCause((cause) =>
      Effect.logWarning("renewal after credit failed; the scheduler will retry").pipe(
        Effect.annotateLogs({ userId, cause: String(cause) })
      )
    ),
    Effect.asVoid
  )

const candidateOfView = (v: {
  id: string
  userId: string
  planId: string
  serviceId: string
  instanceName: string
}): RenewalCandidate => ({
  id: v.id,
  userId: v.userId,
  planId: v.planId,
  serviceId: v.serviceId,
  instanceName: v.instanceName
})

/** POST /api/admin/subscriptions/:id/retry-renewal: the scheduler's decision for one subscription, now. */
export const retryRenewal = Effect.fn("Renewals.retry")(function* (adminId: string, subscriptionId: string) {
  const queries = yield* SubscriptionQueries
  const view = yield* queries.find(subscriptionId)
  if (view === undefined) return yield* new SubscriptionNotFound({ subscriptionId })
  const counts = emptyCounts()
  yield* settle(candidateOfView(view), counts, { actor: adminId, reason: "retry renewal" })
  return { subscription: (yield* queries.find(subscriptionId))!, counts }
})

/**
 * POST /api/subscriptions/:id/reactivate: a SUSPENDED subscription within retention — a new
 * month from now charged, a slot taken (decideReactivation), then scaled back to 1.
 */
export const reactivateSubscription = Effect.fn("Renewals.reactivate")(function* (
  userId: string,
  subscriptionId: string,
  metadata: EventMetadata
) {
  const view = yield* ownSubscription(userId, subscriptionId)
  const plan = yield* (yield* Catalog).planById(view.planId)
  const chargeTransactionId = yield* (yield* TransactionIds).next
  const now = yield* nowIso
  const c = candidateOfView(view)
  yield* decideOnLifecycle(
    c.id,
    (states) =>
      Either.map(
        decideReactivation(states, { now, chargeTransactionId, catalogCapacity: plan?.totalQuota ?? 0 }),
        (outcome) => ({ events: renewalEvents(outcome), result: undefined })
      ),
    metadata
  )
  yield* applyToCluster(c, "scaleUp")
  return (yield* (yield* SubscriptionQueries).find(subscriptionId))!
})

/** GET /api/wallet/info: the ledger's summary plus the runway of the user's auto-renewing subscriptions. */
export const walletInfoWithRunway = Effect.fn("Renewals.walletInfo")(function* (userId: string) {
  const summary = yield* (yield* WalletQueries).summary(userId)
  const subscriptions = yield* (yield* SubscriptionQueries).autoRenewingOf(userId)
  const now = yield* nowIso
  return {
    ...summary,
    runway: runwayOf(
      summary.balance,
      subscriptions.map((s) => ({
        monthlyPrice: s.monthlyPrice,
        nextRenewal: s.periodEnd,
        freeMonthsLeft: s.freeMonthsLeft
      })),
      now
    )
  }
})
