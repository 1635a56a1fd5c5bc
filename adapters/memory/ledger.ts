import { Context, Effect, Either, Layer } from "effect"
import { walletProjectionStep } from "../../application/ledger/walletProjection.ts"
import {
  type Decision,
  EventStore,
  type EventMetadata,
  type LoadedStream,
  type NewEvent,
  type RecordedEvent,
  VersionConflict
} from "../../application/ports/eventStore.ts"
import {
  numberResult,
  numbersFor,
  numberTransactions,
  provisionalIdsIn,
  provisionalTransactionId
} from "../../application/shared/transactionNumbers.ts"
import { IdGenerator, TransactionIds } from "../../application/ports/ids.ts"
import { LeaderLock, PaymentQueries, type PaymentView } from "../../application/ports/paymentQueries.ts"
import { projectPaymentEvent } from "../../application/payment/paymentProjection.ts"
import { isPaymentStream } from "../../domain/payment/index.ts"
import { type LedgerEntry, WalletQueries, type WalletSummary } from "../../application/ports/walletQueries.ts"
import { GENESIS_HASH, hashEvent } from "../../application/shared/eventHash.ts"
import { isWalletStream } from "../../domain/ledger/index.ts"
import { isSubscriptionStream } from "../../domain/subscription/index.ts"
import { projectSubscriptionEvent } from "../../application/subscription/subscriptionProjection.ts"
import {
  type RenewalCandidate,
  SubscriptionQueries,
  type SubscriptionView
} from "../../application/ports/subscriptionQueries.ts"

/**
 * In-memory event store with the wallet read model as its inline projection. For domain and
 * application tests (and as a labelled embedded default); same contract as the Postgres one.
 * Commands run synchronously on one thread, so each transact is atomic and isolated.
 */
const makeMemoryLedger = (newEventId: () => string) => {
  const log: Array<RecordedEvent> = []
  const streams = new Map<string, Array<RecordedEvent>>()
  const snapshots = new Map<string, { version: number; state: unknown }>()
  const wallets = new Map<string, WalletSummary>()
  const entries: Array<LedgerEntry> = []
  const payments = new Map<string, PaymentView>()
  const subscriptions = new Map<string, SubscriptionView>()
  let transactionNumber = 100

  const readAllOf = (streamId: string): LoadedStream => {
    const events = streams.get(streamId) ?? []
    return { streamId, version: events.length, events: [...events] }
  }

  /** Same contract as Postgres: the latest snapshot and only the events after it. */
  const load = (streamId: string): LoadedStream => {
    const events = streams.get(streamId) ?? []
    const snapshot = snapshots.get(streamId)
    return {
      streamId,
      version: events.length,
      snapshot: snapshot && structuredClone(snapshot),
      events: events.slice(snapshot?.version ?? 0)
    }
  }

  const project = (event: RecordedEvent) => {
    if (isSubscriptionStream(event.streamId)) {
      const id = event.streamId.slice("subscription-".length)
      subscriptions.set(id, projectSubscriptionEvent(subscriptions.get(id), event))
      return
    }
    if (isPaymentStream(event.streamId)) {
      const view = projectPaymentEvent(payments.get(event.streamId.slice("payment-".length)), event)
      payments.set(view.orderId, view)
      return
    }
    if (!isWalletStream(event.streamId)) return
    const step = walletProjectionStep(event)
    const before = wallets.get(step.userId) ?? { userId: step.userId, balance: 0, totalTopUp: 0, totalSpent: 0 }
    const after = {
      userId: step.userId,
      balance: before.balance + step.balanceDelta,
      totalTopUp: before.totalTopUp + step.topUpDelta,
      totalSpent: before.totalSpent + step.spentDelta
    }
    if (after.balance < 0) throw new Error("wallet_balances check: balance below zero") // mirrors the SQL check
    wallets.set(step.userId, after)
    entries.push({
      ...step.entry,
      userId: step.userId,
      status: "COMPLETED",
      balanceBefore: before.balance,
      balanceAfter: after.balance
    })
  }

  /** Validates every expected version first, then writes: all or nothing. */
  const write = (
    appends: ReadonlyArray<{
      streamId: string
      expectedVersion: number
      events: ReadonlyArray<NewEvent>
      snapshot?: unknown
    }>,
    metadata: EventMetadata,
    recordedAt: Date
  ): Either.Either<ReadonlyArray<RecordedEvent>, VersionConflict> => {
    for (const a of appends) {
      if ((streams.get(a.streamId)?.length ?? 0) !== a.expectedVersion) {
        return Either.left(new VersionConflict({ streamId: a.streamId, expectedVersion: a.expectedVersion }))
      }
    }
    const recorded: Array<RecordedEvent> = []
    for (const a of appends) {
      const stream = streams.get(a.streamId) ?? []
      for (const event of a.events) {
        const fields = {
          streamId: a.streamId,
          version: stream.length + 1,
          eventId: newEventId(),
          type: event.type,
          data: structuredClone(event.data),
          metadata: structuredClone(metadata),
          recordedAt: recordedAt.toISOString(),
          prevHash: stream[stream.length - 1]?.hash ?? GENESIS_HASH
        }
        const stored: RecordedEvent = { ...fields, position: log.length + 1, hash: hashEvent(fields) }
        stream.push(stored)
        log.push(stored)
        recorded.push(stored)
        project(stored)
      }
      streams.set(a.streamId, stream)
      if (a.snapshot !== undefined && a.events.length > 0) {
        snapshots.set(a.streamId, { version: stream.length, state: structuredClone(a.snapshot) })
      }
    }
    return Either.right(recorded)
  }

  const store = EventStore.of({
    append: (appends, metadata, recordedAt) => Effect.suspend(() => write(appends, metadata, recordedAt)),
    transact: <A, E>(
      streamIds: ReadonlyArray<string>,
      decide: (streams: ReadonlyMap<string, LoadedStream>) => Either.Either<Decision<A>, E>,
      metadata: EventMetadata,
      recordedAt: Date
    ): Effect.Effect<A, E | VersionConflict> =>
      Effect.suspend(() => {
        const loaded = new Map(streamIds.map((id) => [id, load(id)]))
        return Either.flatMap(decide(loaded), (decided): Either.Either<A, E | VersionConflict> => {
          for (const s of decided.events) {
            if (!loaded.has(s.streamId)) throw new Error(`decide wrote to ${s.streamId}, which it did not load`)
          }
          const appends = decided.events.map((s) => ({
            streamId: s.streamId,
            expectedVersion: loaded.get(s.streamId)!.version,
            events: s.events,
            snapshot: s.snapshot
          }))
          // Numbers for the written transfers only, as the Postgres store takes them from its sequence.
          const provisional = provisionalIdsIn(appends)
          const numbers = numbersFor(
            provisional,
            provisional.map(() => ++transactionNumber)
          )
          return Either.map(write(numberTransactions(appends, numbers), metadata, recordedAt), () =>
            numberResult(decided.result, numbers)
          )
        })
      }),
    load: (streamIds) => Effect.sync(() => new Map(streamIds.map((id) => [id, load(id)]))),
    readStream: (streamId) => Effect.sync(() => readAllOf(streamId)),
    readAll: (afterPosition, limit) => Effect.sync(() => log.filter((e) => e.position > afterPosition).slice(0, limit))
  })

  /** Same as the SQL union: ledger movements plus top-ups that have not settled, newest first. */
  const userEntries = (userId: string): Array<LedgerEntry> =>
    [
      ...entries.filter((e) => e.userId === userId),
      ...[...payments.values()]
        .filter((p) => p.userId === userId && p.status !== "SETTLED")
        .map((p): LedgerEntry => ({
          transactionId: p.orderId,
          userId,
          type: "TOP_UP",
          status: p.status === "PENDING" ? "PENDING" : p.status === "CANCELLED" ? "CANCELLED" : "FAILED",
          direction: "CREDIT",
          amount: p.amount,
          balanceBefore: null,
          balanceAfter: null,
          fromAccount: "gateway:midtrans",
          toAccount: `wallet:${userId}`,
          causeType: "payment",
          causeId: p.orderId,
          description: `Top-up via ${p.paymentMethod} (${p.status.toLowerCase()})`,
          position: p.position,
          createdAt: p.createdAt
        }))
    ].sort((a, b) => b.position - a.position)

  const paymentQueries = PaymentQueries.of({
    find: (orderId) => Effect.sync(() => payments.get(orderId)),
    all: Effect.sync(() => [...payments.values()]),
    pending: (olderThan, limit) =>
      Effect.sync(() =>
        [...payments.values()]
          .filter((p) => p.status === "PENDING" && p.createdAt < olderThan.toISOString())
          .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
          .slice(0, limit)
      )
  })

  const queries = WalletQueries.of({
    summary: (userId) => Effect.sync(() => wallets.get(userId) ?? { userId, balance: 0, totalTopUp: 0, totalSpent: 0 }),
    transactions: (userId, filter) =>
      Effect.sync(() => {
        const mine = userEntries(userId).filter(
          (e) =>
            (filter.type === undefined || e.type === filter.type) &&
            (filter.status === undefined || e.status === filter.status)
        )
        const start = (filter.page - 1) * filter.limit
        return { items: mine.slice(start, start + filter.limit), total: mine.length }
      }),
    transaction: (userId, transactionId) =>
      Effect.sync(() => userEntries(userId).find((e) => e.transactionId === transactionId)),
    subscriptionTransactions: (userId, subscriptionId) =>
      Effect.sync(() => {
        const mine = entries.filter((e) => e.userId === userId)
        const charges = new Set(
          mine
            .filter(
              (e) =>
                (e.type === "SUBSCRIPTION" || e.type === "UPGRADE") &&
                (e.causeId.startsWith(`${subscriptionId}@`) || e.causeId.startsWith(`${subscriptionId}#`))
            )
            .map((e) => e.transactionId)
        )
        return mine
          .filter((e) => charges.has(e.transactionId) || (e.type === "REFUND" && charges.has(e.causeId)))
          .reverse()
      }),
    allTransactions: (filter) =>
      Effect.sync(() => {
        const all = [...entries]
          .reverse()
          .filter(
            (e) =>
              (filter.userId === undefined || e.userId === filter.userId) &&
              (filter.type === undefined || e.type === filter.type) &&
              (filter.status === undefined || e.status === filter.status)
          )
        const start = (filter.page - 1) * filter.limit
        return { items: all.slice(start, start + filter.limit), total: all.length }
      }),
    allSummaries: Effect.sync(() => [...wallets.values()]),
    accountTotals: Effect.sync(() => {
      const totals = new Map<string, number>()
      for (const e of entries) {
        totals.set(e.fromAccount, (totals.get(e.fromAccount) ?? 0) - e.amount)
        totals.set(e.toAccount, (totals.get(e.toAccount) ?? 0) + e.amount)
      }
      return totals
    })
  })

  const holding = (s: SubscriptionView) => s.status === "PENDING_DEPLOYMENT" || s.status === "ACTIVE"
  const candidate = (s: SubscriptionView): RenewalCandidate => ({
    id: s.id,
    userId: s.userId,
    planId: s.planId,
    serviceId: s.serviceId,
    instanceName: s.instanceName
  })
  const all = () => [...subscriptions.values()]
  const page = <A>(items: ReadonlyArray<A>, p: number, limit: number) => ({
    items: items.slice((p - 1) * limit, p * limit),
    total: items.length
  })
  const subscriptionQueries = SubscriptionQueries.of({
    renewalCandidates: (now, limit, skip) =>
      Effect.sync(() => {
        const at = now.toISOString()
        const dayAgo = new Date(now.getTime() - 86_400_000).toISOString()
        return all()
          .filter(
            (s) =>
              !skip.includes(s.id) &&
              ((holding(s) && s.graceEndsAt === null && s.periodEnd <= at) ||
                (s.graceEndsAt !== null &&
                  (s.graceEndsAt <= at || (s.renewalAttemptedAt !== null && s.renewalAttemptedAt <= dayAgo))) ||
                (s.status === "SUSPENDED" && s.retentionEndsAt !== null && s.retentionEndsAt <= at))
          )
          .slice(0, limit)
          .map(candidate)
      }),
    unpaidOf: (userId, now) =>
      Effect.sync(() =>
        all()
          .filter((s) => s.userId === userId && holding(s) && s.autoRenew && s.periodEnd <= now.toISOString())
          .map(candidate)
      ),
    autoRenewingOf: (userId) =>
      Effect.sync(() => all().filter((s) => s.userId === userId && holding(s) && s.autoRenew)),
    renewalQueue: (queue, now, p, limit) =>
      Effect.sync(() =>
        page(
          all().filter((s) =>
            queue === "due"
              ? holding(s) && s.graceEndsAt === null && s.periodEnd <= now.toISOString()
              : queue === "grace"
                ? s.graceEndsAt !== null
                : s.status === "SUSPENDED"
          ),
          p,
          limit
        )
      ),
    search: (f) =>
      Effect.sync(() =>
        page(
          all().filter(
            (s) =>
              (f.status === undefined || s.status === f.status) && (f.userId === undefined || s.userId === f.userId)
          ),
          f.page,
          f.limit
        )
      ),
    stats: Effect.sync(() => ({ total: subscriptions.size, byStatus: {}, byPlan: [], monthlyRecurringRevenue: 0 })),
    instanceEnv: () => Effect.succeed({}),
    setInstanceEnv: () => Effect.void,
    allStates: Effect.sync(() => all().map((s) => ({ id: s.id, planId: s.planId, instanceStatus: s.instanceStatus }))),
    find: (id) => Effect.sync(() => subscriptions.get(id)),
    provisioning: (limit) =>
      Effect.sync(() =>
        all()
          .filter((s) => ["PROVISIONING", "STARTING", "RESTARTING"].includes(s.instanceStatus))
          .slice(0, limit)
      ),
    listByUser: (userId, p, limit) =>
      Effect.sync(() =>
        page(
          all()
            .filter((s) => s.userId === userId)
            .reverse(),
          p,
          limit
        )
      )
  })

  let provisionalIssued = 0
  const transactionIds = TransactionIds.of({
    next: Effect.sync(() => provisionalTransactionId(String(++provisionalIssued)))
  })

  return { store, queries, transactionIds, paymentQueries, subscriptionQueries }
}

/** EventStore, its read models (wallets, payments, subscriptions) and TransactionIds, sharing one in-memory log; one process is always leader. */
export const LedgerMemory = Layer.effectContext(
  Effect.map(IdGenerator, (ids) => {
    const ledger = makeMemoryLedger(() => Effect.runSync(ids.uuid))
    return Context.make(EventStore, ledger.store).pipe(
      Context.add(WalletQueries, ledger.queries),
      Context.add(TransactionIds, ledger.transactionIds),
      Context.add(PaymentQueries, ledger.paymentQueries),
      Context.add(SubscriptionQueries, ledger.subscriptionQueries),
      Context.add(LeaderLock, LeaderLock.of({ runIfLeader: (_name, effect) => Effect.as(effect, true) }))
    )
  })
)
