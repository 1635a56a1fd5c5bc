import { Effect, Either, type ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { chargeWallet, creditTopUp, grantCouponCredit, refundCharge } from "../../application/ledger/useCases.ts"
import { executeWalletCommand } from "../../application/ledger/walletStream.ts"
import { EventStore } from "../../application/ports/eventStore.ts"
import { TransactionIds } from "../../application/ports/ids.ts"
import { bind, decideOn, walletStream } from "../../application/shared/streams.ts"
import { decideWallet, walletStreamId } from "../../domain/ledger/index.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { period, postgresLedgerRuntime, system } from "../support/ledgerMother.ts"

/**
 * Issue 12 point 6: a TXMP number is taken when its transfer is written. Each test has its own
 * database (its own sequence), so what it sees is every number taken.
 */
let db: TestDatabase
let runtime: ReturnType<typeof postgresLedgerRuntime>
const run = <A, E>(effect: Effect.Effect<A, E, ManagedRuntime.ManagedRuntime.Context<typeof runtime>>) =>
  runtime.runPromise(effect)

beforeAll(async () => {
  db = await createTestDatabase()
  runtime = postgresLedgerRuntime(db.url)
})
afterAll(async () => {
  await runtime.dispose()
  await db.drop()
})

const numbersOf = async (userId: string) =>
  (
    await db.sql<
      Array<{ id: string }>
    >`select data ->> 'transactionId' as id from events where stream_id = ${walletStreamId(userId)} order by position`
  ).map((r) => Number(r.id.slice("TXMP-".length)))
const consecutive = (numbers: ReadonlyArray<number>) => numbers.every((n, i) => i === 0 || n === numbers[i - 1]! + 1)

describe("TXMP numbers on Postgres", () => {
  it("a sequence of top-ups, charges, refunds, adjustments and coupon credits gets consecutive numbers; refused and replayed commands take none", async () => {
    const userId = "33333333-0000-4000-8000-000000000001"
    const charge = (sub: string, amount: number) =>
      run(Effect.either(chargeWallet({ userId, amount, cause: period(sub), description: "period" }, system)))
    const topUp = await run(creditTopUp({ userId, paymentReference: "order-1", amount: 100_000 }, system))
    const first = await charge("s-1", 40_000)
    expect(Either.isRight(first)).toBe(true)
    expect(Either.getLeft(await charge("s-2", 90_000))._tag).toBe("Some") // insufficient credit: refused
    const refund = await run(
      refundCharge(
        {
          userId,
          chargeTransactionId: Either.getOrThrow(first).transactionId,
          amount: 10_000,
          reason: "sorry",
          reference: "r-1"
        },
        system
      )
    )
    expect((await run(creditTopUp({ userId, paymentReference: "order-1", amount: 100_000 }, system))).applied).toBe(
      false
    ) // a replay
    const adjusted = await run(
      Effect.flatMap(TransactionIds, (ids) => ids.next).pipe(
        Effect.flatMap((transactionId) =>
          executeWalletCommand(
            userId,
            {
              _tag: "AdjustCredit",
              transactionId,
              amount: -5_000,
              reference: "adjust:k-1",
              adminId: "admin-1",
              reason: "fix"
            },
            system
          )
        )
      )
    )
    const coupon = await run(
      grantCouponCredit({ userId, amount: 7_000, couponCode: "HEMAT", redemptionId: "red-1" }, system)
    )
    const second = await charge("s-3", 20_000)

    const written = await numbersOf(userId)
    expect(written).toHaveLength(6)
    expect(consecutive(written)).toBe(true)
    // What the use cases answered is what they wrote.
    expect([
      topUp.transactionId,
      Either.getOrThrow(first).transactionId,
      refund.transactionId,
      adjusted.transactionId
    ]).toEqual(written.slice(0, 4).map((n) => `TXMP-${n}`))
    expect(coupon.transactionId).toBe(`TXMP-${written.at(-2)}`)
    expect(Either.getOrThrow(second).transactionId).toBe(`TXMP-${written.at(-1)}`)
    // The read model lists the same numbers.
    const listed = await db.sql<
      Array<{ id: string }>
    >`select transaction_id as id from ledger_entries where user_id = ${userId} order by position`
    expect(listed.map((r) => r.id)).toEqual(written.map((n) => `TXMP-${n}`))
  })

  it("a decision holding five refund slots that writes one refund takes one number", async () => {
    const userId = "33333333-0000-4000-8000-000000000002"
    const charged = await run(
      Effect.flatMap(creditTopUp({ userId, paymentReference: "order-2", amount: 50_000 }, system), () =>
        chargeWallet({ userId, amount: 30_000, cause: period("s-5"), description: "period" }, system)
      )
    )
    // The old cancel path: five ids taken up front for "at most five charges in a period".
    const slots = await run(
      Effect.flatMap(TransactionIds, (ids) => Effect.all([ids.next, ids.next, ids.next, ids.next, ids.next]))
    )
    // The decision names its refund (and an unused slot) in its result: the store answers with the number written.
    const answered = await run(
      decideOn(
        { wallet: bind(walletStream, walletStreamId(userId)) },
        ({ wallet }) =>
          Either.map(
            decideWallet(
              {
                _tag: "RefundCharge",
                transactionId: slots[0]!,
                amount: 30_000,
                reference: `cancel:${slots[0]}`,
                chargeTransactionId: charged.transactionId,
                reason: "cancelled"
              },
              wallet
            ),
            (events) => ({
              events: { wallet: events },
              result: { refund: slots[0]!, unused: slots[1]!, at: new Date(0) }
            })
          ),
        system
      )
    )
    const written = await numbersOf(userId)
    expect(written).toHaveLength(3)
    expect(consecutive(written)).toBe(true)
    // The provisional id is replaced everywhere it was written: the transfer, its reference, the snapshot, the result.
    const refund = answered.refund
    expect(refund).toBe(`TXMP-${written[2]}`)
    expect(answered.unused).toBe(slots[1]) // took no number: left as it was
    expect(answered.at).toEqual(new Date(0))
    const [refundEvent] = (
      await run(Effect.flatMap(EventStore, (s) => s.readStream(walletStreamId(userId))))
    ).events.slice(-1)
    expect((refundEvent!.data as { reference: string }).reference).toBe(`cancel:${refund}`)
    const stream = await run(Effect.flatMap(EventStore, (s) => s.readStream(walletStreamId(userId))))
    expect(JSON.stringify(stream)).not.toMatch(/TXMP-0/)
    const [snapshot] = await db.sql<
      Array<{ state: string }>
    >`select state::text as state from snapshots where stream_id = ${walletStreamId(userId)}`
    expect(snapshot!.state).toContain(`"cancel:${refund}"`)
    expect(snapshot!.state).not.toMatch(/TXMP-0/)
  })

  it("64 concurrent charges on one wallet: the 33 that are written hold 33 consecutive numbers", async () => {
    const userId = "33333333-0000-4000-8000-000000000003"
    await run(creditTopUp({ userId, paymentReference: "order-3", amount: 100_000 }, system))
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        run(
          Effect.either(chargeWallet({ userId, amount: 3_000, cause: period(`c-${i}`), description: "period" }, system))
        )
      )
    )
    expect(results.filter(Either.isRight)).toHaveLength(33)
    const written = await numbersOf(userId)
    expect(written).toHaveLength(34)
    expect(consecutive(written.slice(1))).toBe(true)
    expect(new Set(results.filter(Either.isRight).map((r) => r.right.transactionId))).toEqual(
      new Set(written.slice(1).map((n) => `TXMP-${n}`))
    )
  })
})
