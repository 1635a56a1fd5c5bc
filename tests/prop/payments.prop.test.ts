import { Effect, Either, Layer } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { LedgerReplay } from "../../application/audit/ledgerAudit.ts"
import { chargeWallet } from "../../application/ledger/useCases.ts"
import { walletStream } from "../../application/shared/streams.ts"
import { applyGatewayTransaction, PaymentPolicy, requestTopUp } from "../../application/payment/useCases.ts"
import { EventStore } from "../../application/ports/eventStore.ts"
import { PaymentQueries } from "../../application/ports/paymentQueries.ts"
import { Users } from "../../application/ports/users.ts"
import { WalletQueries } from "../../application/ports/walletQueries.ts"
import { walletStreamId } from "../../domain/ledger/index.ts"
import { UsersMemory } from "../../adapters/memory/users.ts"
import { memoryLedgerLayer, period, system } from "../support/ledgerMother.ts"
import { PaymentGatewayStub } from "../support/paymentGatewayStub.ts"

// Each run is up to 30 steps through the use cases: 200 runs cost what the earlier 1000 short ones did.
const numRuns = Number(process.env["PROPERTY_RUNS"] ?? 200)
const userId = "u-1"

const layer = () =>
  Layer.mergeAll(
    PaymentGatewayStub,
    UsersMemory,
    Layer.succeed(PaymentPolicy, { topUpExpirySeconds: 3600, confirmWithStatusApi: false })
  ).pipe(Layer.provideMerge(memoryLedgerLayer()))

const forward = ["settlement", "capture", "pending", "deny", "cancel", "expire", "failure"] as const
const reversals = ["refund", "partial_refund", "chargeback", "partial_chargeback"] as const
type Status = (typeof forward)[number] | (typeof reversals)[number]
type Step =
  | {
      kind: "report"
      order: number
      status: Status
      fraud: string | undefined
      reversalAmount: number | undefined
      key: string | undefined
    }
  | { kind: "spend"; amount: number; period: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("report" as const),
      order: fc.nat(2),
      status: fc.oneof(fc.constantFrom(...forward), fc.constantFrom(...reversals)),
      fraud: fc.constantFrom(undefined, "accept", "challenge", "deny"),
      // Partial amounts often fit the order, sometimes exceed what is left; full reversals usually carry none.
      reversalAmount: fc.option(fc.integer({ min: 1, max: 160_000 }), { nil: undefined, freq: 3 }),
      // Keyless reversals carry the running total: a re-sent one takes nothing, a larger one takes the difference.
      key: fc.constantFrom(undefined, undefined, "rk-1", "rk-2", "rk-3")
    })
  },
  // Spending between reports is what makes a later reversal find too little in the wallet.
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("spend" as const),
      amount: fc.integer({ min: 1, max: 60_000 }),
      period: fc.nat(50)
    })
  }
)

/**
 * A deliberately naive model of the payment rules, written from DESIGN.md and the Midtrans
 * statuses, sharing no code with the product: what each order's status, reversals and shortfall
 * and the wallet's balance must be.
 */
class PaymentsModel {
  balance = 0
  credits = 0
  spent = new Set<number>()
  orders: Array<{
    amount: number
    status: "PENDING" | "SETTLED" | "FAILED"
    reversed: number
    shortfall: number
    keys: Set<string>
  }>

  constructor(amounts: ReadonlyArray<number>) {
    this.orders = amounts.map((amount) => ({ amount, status: "PENDING", reversed: 0, shortfall: 0, keys: new Set() }))
  }

  private settle(order: PaymentsModel["orders"][number]) {
    if (order.status === "SETTLED") return
    order.status = "SETTLED"
    this.balance += order.amount
    this.credits++
  }

  report(s: Extract<Step, { kind: "report" }>) {
    const order = this.orders[s.order % this.orders.length]!
    const settles =
      s.status === "settlement" || (s.status === "capture" && s.fraud !== "challenge" && s.fraud !== "deny")
    const fails =
      ["deny", "cancel", "expire", "failure"].includes(s.status) || (s.status === "capture" && s.fraud === "deny")
    const reverses = ["refund", "partial_refund", "chargeback", "partial_chargeback"].includes(s.status)
    if (settles) this.settle(order)
    if (fails && order.status === "PENDING") order.status = "FAILED"
    if (!reverses) return
    this.settle(order) // a reversal proves the money had arrived
    const left = order.amount - order.reversed
    const requested = s.reversalAmount ?? left
    // Keyed: one reversal of its amount. Keyless: the gateway's running total of reversals, so only what exceeds ours is new.
    const runningTotal = Math.min(s.reversalAmount ?? order.amount, order.amount)
    const key = s.key ?? `${s.status}:${runningTotal}`
    const taken = s.key === undefined ? Math.max(0, runningTotal - order.reversed) : Math.min(requested, left)
    if (order.keys.has(key) || taken === 0) return
    order.keys.add(key)
    order.reversed += taken
    const debited = Math.min(taken, this.balance)
    this.balance -= debited
    order.shortfall += taken - debited
  }

  spend(s: Extract<Step, { kind: "spend" }>) {
    if (this.spent.has(s.period)) return true // the same period again: already paid, nothing moves
    if (s.amount > this.balance) return false
    this.spent.add(s.period)
    this.balance -= s.amount
    return true
  }
}

describe("payments over random notification sequences, against a naive model", () => {
  it("statuses, reversals, shortfalls, credits and the balance match the model; the audit is clean", async () => {
    let shortfalls = 0
    let keylessPartials = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 10_000, max: 150_000 }), { minLength: 1, maxLength: 3 }),
        fc.array(step, { minLength: 8, maxLength: 30 }),
        async (amounts, steps) => {
          const model = new PaymentsModel(amounts)
          await Effect.runPromise(
            Effect.gen(function* () {
              yield* (yield* Users).create({
                id: userId,
                name: "Ayu",
                email: "ayu@example.com",
                phone: null,
                avatar: null,
                role: "USER",
                isActive: true,
                locale: "id",
                passwordHash: "x",
                createdAt: "2026-01-01T00:00:00.000Z",
                updatedAt: "2026-01-01T00:00:00.000Z"
              })
              const orders: Array<string> = []
              for (const amount of amounts) {
                orders.push((yield* requestTopUp({ userId, amount, paymentMethod: "QRIS" }, {})).transactionId)
              }
              const queries = yield* PaymentQueries
              for (const s of steps) {
                if (s.kind === "spend") {
                  const charged = yield* Effect.either(
                    chargeWallet(
                      { userId, amount: s.amount, cause: period("sub-1", `p${s.period}`), description: "period" },
                      system
                    )
                  )
                  expect(Either.isRight(charged)).toBe(model.spend(s))
                  continue
                }
                const orderId = orders[s.order % orders.length]!
                const payment = (yield* queries.find(orderId))!
                yield* applyGatewayTransaction(
                  payment,
                  {
                    orderId,
                    transactionStatus: s.status,
                    fraudStatus: s.fraud,
                    statusCode: "200",
                    grossAmount: `${payment.amount}.00`,
                    refundAmount: s.reversalAmount === undefined ? undefined : `${s.reversalAmount}`,
                    refundKey: s.key
                  },
                  {}
                )
                model.report(s)
                if (s.key === undefined && s.status.startsWith("partial")) keylessPartials++
              }
              for (const [i, orderId] of orders.entries()) {
                const expected = model.orders[i]!
                const actual = (yield* queries.find(orderId))!
                expect({ status: actual.status, reversed: actual.reversedAmount, shortfall: actual.shortfall }).toEqual(
                  { status: expected.status, reversed: expected.reversed, shortfall: expected.shortfall }
                )
                if (expected.shortfall > 0) shortfalls++
              }
              const summary = yield* (yield* WalletQueries).summary(userId)
              expect(summary.balance).toBe(model.balance)
              const events = yield* (yield* EventStore).readAll(0, 1_000_000)
              expect(events.filter((e) => e.type === "TopUpCredited").length).toBe(model.credits)
              expect(walletStream.load(yield* (yield* EventStore).readStream(walletStreamId(userId))).balance).toBe(
                model.balance
              )
              const replay = new LedgerReplay()
              events.forEach((e) => replay.observe(e))
              const wq = yield* WalletQueries
              expect(
                replay.report({
                  walletSummaries: yield* wq.allSummaries,
                  accountTotals: yield* wq.accountTotals,
                  payments: yield* queries.all
                }).report.problems
              ).toEqual([])
            }).pipe(Effect.provide(layer()))
          )
        }
      ),
      { numRuns }
    )
    // The generators must reach the interesting cases, or the property says little.
    expect(shortfalls).toBeGreaterThan(0)
    expect(keylessPartials).toBeGreaterThan(0)
  }, 180_000)
})
