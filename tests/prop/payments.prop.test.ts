import { Effect, Layer } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { LedgerReplay } from "../../application/audit/ledgerAudit.ts"
import { decodeWalletEvent, walletStateOf } from "../../application/ledger/walletStream.ts"
import { applyGatewayTransaction, PaymentPolicy, requestTopUp } from "../../application/payments/useCases.ts"
import { EventStore } from "../../application/ports/eventStore.ts"
import { PaymentQueries } from "../../application/ports/paymentQueries.ts"
import { Users } from "../../application/ports/users.ts"
import { WalletQueries } from "../../application/ports/walletQueries.ts"
import { isWalletStream, walletStreamId } from "../../domain/ledger/index.ts"
import { UsersMemory } from "../../adapters/memory/users.ts"
import { memoryLedgerLayer } from "../support/ledgerMother.ts"
import { PaymentGatewayStub } from "../support/paymentGatewayStub.ts"

const numRuns = Number(process.env["PROPERTY_RUNS"] ?? 1000)
const userId = "u-1"

const layer = () =>
  Layer.mergeAll(PaymentGatewayStub, UsersMemory, Layer.succeed(PaymentPolicy, { topUpExpirySeconds: 3600, confirmWithStatusApi: false }))
    .pipe(Layer.provideMerge(memoryLedgerLayer()))

const statuses = ["settlement", "capture", "pending", "deny", "cancel", "expire", "failure", "refund", "partial_refund", "chargeback"] as const
const report = fc.record({
  order: fc.nat(2),
  status: fc.constantFrom(...statuses),
  fraud: fc.constantFrom(undefined, "accept", "challenge"),
  refundAmount: fc.integer({ min: 1, max: 200_000 }),
  refundKey: fc.constantFrom("rk-1", "rk-2", "rk-3")
})

describe("payments over random notification sequences", () => {
  it("credit at most once per order, never backwards from SETTLED, reversals bounded, wallet = replay, audit clean", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 10_000, max: 150_000 }), { minLength: 1, maxLength: 3 }),
        fc.array(report, { maxLength: 25 }),
        async (amounts, reports) => {
          await Effect.runPromise(Effect.gen(function*() {
            yield* (yield* Users).create({
              id: userId, name: "Ayu", email: "ayu@example.com", phone: null, avatar: null, role: "USER", isActive: true, locale: "id",
              passwordHash: "x", createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z"
            })
            const orders: Array<string> = []
            for (const amount of amounts) {
              orders.push((yield* requestTopUp({ userId, amount, paymentMethod: "QRIS" }, {})).transactionId)
            }
            const queries = yield* PaymentQueries
            const everSettled = new Set<string>()
            for (const r of reports) {
              const orderId = orders[r.order % orders.length]!
              const payment = (yield* queries.find(orderId))!
              yield* applyGatewayTransaction(payment, {
                orderId,
                transactionStatus: r.status,
                fraudStatus: r.fraud,
                statusCode: "200",
                grossAmount: `${payment.amount}.00`,
                refundAmount: r.status === "partial_refund" ? `${r.refundAmount}` : undefined,
                refundKey: r.refundKey
              }, {})
              const after = (yield* queries.find(orderId))!
              if (everSettled.has(orderId)) expect(after.status).toBe("SETTLED") // never backwards
              if (after.status === "SETTLED") everSettled.add(orderId)
              expect(after.reversedAmount).toBeLessThanOrEqual(after.amount)
            }
            const events = yield* (yield* EventStore).readAll(0, 1_000_000)
            const walletEvents = events.filter((e) => isWalletStream(e.streamId)).map(decodeWalletEvent)
            const credits = walletEvents.filter((e) => e._tag === "TopUpCredited").map((e) => e.reference)
            expect(new Set(credits).size).toBe(credits.length) // one credit per order
            expect(credits.length).toBe(everSettled.size)
            let debited = 0
            for (const orderId of orders) {
              const p = (yield* queries.find(orderId))!
              const reversals = walletEvents.filter((e) => e._tag === "TopUpReversed" && e.orderId === orderId)
              const taken = reversals.reduce((sum, e) => sum + e.amount, 0)
              expect(taken + p.shortfall).toBe(p.reversedAmount) // debited + shortfall = reversed
              debited += taken
            }
            const summary = yield* (yield* WalletQueries).summary(userId)
            const settledTotal = orders.reduce((sum, o, i) => sum + (everSettled.has(o) ? amounts[i]! : 0), 0)
            expect(summary.balance).toBe(settledTotal - debited)
            expect(summary.balance).toBeGreaterThanOrEqual(0)
            expect(walletStateOf(yield* (yield* EventStore).readStream(walletStreamId(userId))).balance).toBe(summary.balance)
            const replay = new LedgerReplay()
            events.forEach((e) => replay.observe(e))
            const wq = yield* WalletQueries
            expect(replay.report({ walletSummaries: yield* wq.allSummaries, accountTotals: yield* wq.accountTotals, payments: yield* queries.all }).report.problems).toEqual([])
          }).pipe(Effect.provide(layer())))
        }
      ),
      { numRuns }
    )
  })
})
