import { Duration, Effect, Layer, Schema, TestClock, TestContext } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ClusterMemory } from "../../adapters/memory/cluster.ts"
import { UsersMemory } from "../../adapters/memory/users.ts"
import { LedgerReplay } from "../../application/audit/ledgerAudit.ts"
import { adjustCredit } from "../../application/ledger/useCases.ts"
import { applyGatewayTransaction, PaymentPolicy, requestTopUp } from "../../application/payment/useCases.ts"
import { EventStore, type RecordedEvent } from "../../application/ports/eventStore.ts"
import { Catalog, type CatalogService } from "../../application/ports/catalog.ts"
import { PaymentQueries } from "../../application/ports/paymentQueries.ts"
import { SubscriptionQueries } from "../../application/ports/subscriptionQueries.ts"
import { Users } from "../../application/ports/users.ts"
import { WalletQueries } from "../../application/ports/walletQueries.ts"
import { processRenewals, reactivateSubscription, RenewalPolicy } from "../../application/renewals/useCases.ts"
import { extendSubscription } from "../../application/subscription/admin.ts"
import { ProvisioningPolicy } from "../../application/subscription/naming.ts"
import { cancelSubscription, setAutoRenew } from "../../application/subscription/useCases.ts"
import { WalletEvent } from "../../domain/ledger/index.ts"
import { SubscriptionEvent } from "../../domain/subscription/index.ts"
import { memoryLedgerLayer } from "../support/ledgerMother.ts"
import { PaymentGatewayStub } from "../support/paymentGatewayStub.ts"
import { seedDueSubscriptions } from "../support/renewalSeed.ts"

const numRuns = Number(process.env["PROPERTY_RUNS"] ?? 100)
const price = 50_000
const start = Date.parse("2026-01-31T10:00:00.000Z") // a month end: calendar clamping is exercised
const dayMs = 86_400_000

const layer = () =>
  Layer.mergeAll(
    PaymentGatewayStub,
    UsersMemory,
    ClusterMemory(),
    Layer.succeed(PaymentPolicy, { topUpExpirySeconds: 3600, confirmWithStatusApi: false }),
    Layer.succeed(ProvisioningPolicy, { baseDomain: "apps.test", timeoutSeconds: 300, namespacePrefix: "user-" }),
    Layer.succeed(RenewalPolicy, { retentionDays: 30 }),
    // Reactivation reads only the plan's catalog capacity (the seeded quota stream records its own).
    Layer.succeed(Catalog, { planById: () => Effect.succeed({ totalQuota: 1_000_000 }) } as unknown as CatalogService)
  ).pipe(Layer.provideMerge(memoryLedgerLayer()))

/** Clock jumps from a minute to two months. */
const jump = fc.oneof(
  fc.integer({ min: 1, max: 120 }).map((m) => m * 60_000),
  fc.integer({ min: 1, max: 48 }).map((h) => h * 3_600_000),
  fc.integer({ min: 1, max: 40 }).map((d) => d * dayMs),
  fc.integer({ min: 1, max: 2 }).map((m) => m * 31 * dayMs)
)

const command = fc.oneof(
  { weight: 5, arbitrary: jump.map((ms) => ({ _tag: "Advance" as const, ms })) },
  { weight: 4, arbitrary: fc.constant({ _tag: "RunScheduler" as const }) },
  { weight: 2, arbitrary: fc.constant({ _tag: "TwoSchedulers" as const }) },
  {
    weight: 3,
    arbitrary: fc
      .record({ sub: fc.nat(1), amount: fc.integer({ min: 10_000, max: 120_000 }) })
      .map((r) => ({ _tag: "TopUp" as const, ...r }))
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ sub: fc.nat(1), amount: fc.integer({ min: 1_000, max: 80_000 }) })
      .map((r) => ({ _tag: "AdminCredit" as const, ...r }))
  },
  { weight: 1, arbitrary: fc.nat(1).map((sub) => ({ _tag: "Cancel" as const, sub })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ sub: fc.nat(1), days: fc.integer({ min: 1, max: 20 }) })
      .map((r) => ({ _tag: "Extend" as const, ...r }))
  },
  {
    weight: 1,
    arbitrary: fc.record({ sub: fc.nat(1), on: fc.boolean() }).map((r) => ({ _tag: "AutoRenew" as const, ...r }))
  },
  { weight: 2, arbitrary: fc.nat(1).map((sub) => ({ _tag: "Reactivate" as const, sub })) }
)

const decodeWallet = Schema.decodeUnknownSync(WalletEvent)
const decodeSub = Schema.decodeUnknownSync(SubscriptionEvent)

describe("renewals over random timelines (TestClock)", () => {
  it("one charge per period, none after cancel or expiry, grace exactly 7 days, a top-up in grace renews at once, suspended hold no slot, paid ≤ time held, audit clean", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 200_000 }),
        fc.array(command, { minLength: 1, maxLength: 30 }),
        async (initialBalance, commands) => {
          await Effect.runPromise(
            Effect.gen(function* () {
              yield* TestClock.setTime(start)
              const seeded = yield* seedDueSubscriptions({
                count: 2,
                balance: initialBalance,
                price,
                periodStart: new Date(start).toISOString(),
                prefix: "73333333"
              })
              const subs = seeded.map((s) => s.id)
              for (const { userId } of seeded) {
                yield* (yield* Users).create({
                  id: userId,
                  name: "Ayu",
                  email: `${userId}@example.com`,
                  phone: null,
                  avatar: null,
                  role: "USER",
                  isActive: true,
                  locale: "id",
                  passwordHash: "x",
                  createdAt: "2026-01-01T00:00:00.000Z",
                  updatedAt: "2026-01-01T00:00:00.000Z"
                })
              }
              const queries = yield* SubscriptionQueries
              const ownerOf = (id: string) => Effect.map(queries.find(id), (v) => v!.userId)
              for (const c of commands) {
                switch (c._tag) {
                  case "Advance":
                    yield* TestClock.adjust(Duration.millis(c.ms))
                    break
                  case "RunScheduler":
                    yield* processRenewals()
                    break
                  case "TwoSchedulers":
                    yield* Effect.all([processRenewals(), processRenewals()], { concurrency: 2 })
                    break
                  case "TopUp":
                  case "AdminCredit": {
                    const owner = yield* ownerOf(subs[c.sub]!)
                    if (c._tag === "TopUp") {
                      const { transactionId } = yield* requestTopUp(
                        { userId: owner, amount: c.amount, paymentMethod: "QRIS" },
                        {}
                      )
                      const payment = (yield* (yield* PaymentQueries).find(transactionId))!
                      yield* applyGatewayTransaction(
                        payment,
                        {
                          orderId: transactionId,
                          transactionStatus: "settlement",
                          fraudStatus: undefined,
                          statusCode: "200",
                          grossAmount: `${c.amount}.00`,
                          refundAmount: undefined,
                          refundKey: undefined
                        },
                        {}
                      )
                    } else {
                      yield* adjustCredit(
                        {
                          userId: owner,
                          amount: c.amount,
                          reason: "goodwill",
                          adminId: "admin",
                          reference: `adj-${Math.random()}`
                        },
                        {}
                      )
                    }
                    // A credit renews an unpaid period at once: if still in grace, the balance cannot pay it.
                    const balance = (yield* (yield* WalletQueries).summary(owner)).balance
                    const view = (yield* queries.find(subs[c.sub]!))!
                    if (view.renewalStatus === "GRACE" && view.autoRenew)
                      expect(balance).toBeLessThan(view.monthlyPrice)
                    break
                  }
                  case "Cancel":
                    yield* Effect.either(
                      cancelSubscription(
                        yield* ownerOf(subs[c.sub]!),
                        subs[c.sub]!,
                        { by: "user", reason: "done", refund: "prorated" },
                        {}
                      )
                    )
                    break
                  case "Extend":
                    yield* Effect.either(extendSubscription("admin", subs[c.sub]!, c.days, "goodwill"))
                    break
                  case "AutoRenew":
                    yield* Effect.either(setAutoRenew(yield* ownerOf(subs[c.sub]!), subs[c.sub]!, c.on, {}))
                    break
                  case "Reactivate":
                    yield* Effect.either(reactivateSubscription(yield* ownerOf(subs[c.sub]!), subs[c.sub]!, {}))
                    break
                }
              }
              const log: ReadonlyArray<RecordedEvent> = yield* (yield* EventStore).readAll(0, 1_000_000)
              const now = new Date(yield* TestClock.currentTimeMillis).toISOString()
              for (const id of subs) {
                const subEvents = log
                  .filter((e) => e.streamId === `subscription-${id}`)
                  .map((e) => ({ position: e.position, event: decodeSub(e.data) }))
                const charges = log
                  .filter((e) => e.streamId.startsWith("wallet-"))
                  .map((e) => ({ position: e.position, event: decodeWallet(e.data) }))
                  .flatMap((e) =>
                    e.event._tag === "WalletCharged" && e.event.cause.subscriptionId === id
                      ? [{ position: e.position, charge: e.event }]
                      : []
                  )
                // Never two charges for one period.
                const periods = charges.map((c) =>
                  c.charge.cause._tag === "SubscriptionPeriod" ? c.charge.cause.periodStart : "upgrade"
                )
                expect(new Set(periods).size).toBe(periods.length)
                // Never a charge after a cancellation or an expiry.
                const ended = subEvents.find(
                  (e) => e.event._tag === "SubscriptionCancelled" || e.event._tag === "SubscriptionExpired"
                )
                if (ended) expect(charges.filter((c) => c.position > ended.position)).toEqual([])
                // Grace lasts exactly 7 days; a suspension never comes before its end.
                let graceEndsAt: string | undefined
                for (const { event } of subEvents) {
                  if (event._tag === "GracePeriodStarted") {
                    expect(Date.parse(event.graceEndsAt) - Date.parse(event.periodStart)).toBe(7 * dayMs)
                    graceEndsAt = event.graceEndsAt
                  }
                  if (event._tag === "SubscriptionSuspended") expect(event.at >= graceEndsAt!).toBe(true)
                }
                // Paid (charges − refunds) ≤ the plan's price for each period begun while held.
                const refunds = log
                  .filter((e) => e.streamId.startsWith("wallet-"))
                  .map((e) => decodeWallet(e.data))
                  .flatMap((e) =>
                    e._tag === "ChargeRefunded" && charges.some((c) => c.charge.transactionId === e.chargeTransactionId)
                      ? [e.amount]
                      : []
                  )
                const paid = charges.reduce((s, c) => s + c.charge.amount, 0) - refunds.reduce((s, r) => s + r, 0)
                const begun = new Set(periods.filter((p) => p <= (ended ? (ended.event as { at: string }).at : now)))
                expect(paid).toBeLessThanOrEqual(price * begun.size)
                // A suspended subscription holds no slot (also checked by the audit from the quota events).
                const view = (yield* queries.find(id))!
                if (view.status === "SUSPENDED") expect(view.renewalStatus).toBe("SUSPENDED")
              }
              const replay = new LedgerReplay()
              log.forEach((e) => replay.observe(e))
              const wq = yield* WalletQueries
              const problems = replay.report({
                walletSummaries: yield* wq.allSummaries,
                accountTotals: yield* wq.accountTotals,
                payments: yield* (yield* PaymentQueries).all,
                plans: [],
                subscriptions: yield* queries.allStates
              }).report.problems
              if (problems.length > 0) console.log(JSON.stringify(problems))
              expect(problems).toEqual([])
            }).pipe(Effect.provide(layer()), Effect.provide(TestContext.TestContext))
          )
        }
      ),
      { numRuns }
    )
  })
})
