import { Effect, Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { LedgerReplay } from "../../application/audit/ledgerAudit.ts"
import { chargeWallet, creditTopUp, grantCouponCredit, refundCharge } from "../../application/ledger/useCases.ts"
import { executeWalletCommand } from "../../application/ledger/walletStream.ts"
import { walletStream } from "../../application/shared/streams.ts"
import { EventStore } from "../../application/ports/eventStore.ts"
import { TransactionIds } from "../../application/ports/ids.ts"
import { WalletQueries } from "../../application/ports/walletQueries.ts"
import { type WalletEvent, walletStreamId } from "../../domain/ledger/index.ts"
import { memoryLedgerLayer, period, system } from "../support/ledgerMother.ts"

const users = ["u1", "u2", "u3"] as const
const amount = fc.integer({ min: 1, max: 150_000 })

type Command =
  | { kind: "topUp"; user: string; payment: number; amount: number }
  | { kind: "charge"; user: string; subscription: number; month: number; amount: number }
  | { kind: "refund"; user: string; chargeIndex: number; amount: number; refund: number }
  | { kind: "adjust"; user: string; amount: number; reason: string; key: number }
  | { kind: "coupon"; user: string; redemption: number; amount: number }

const user = fc.constantFrom(...users)
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant("topUp" as const), user, payment: fc.nat(4), amount }),
  fc.record({ kind: fc.constant("charge" as const), user, subscription: fc.nat(2), month: fc.nat(3), amount }),
  fc.record({ kind: fc.constant("refund" as const), user, chargeIndex: fc.nat(5), amount, refund: fc.nat(3) }),
  fc.record({
    kind: fc.constant("adjust" as const),
    user,
    amount: fc.integer({ min: -150_000, max: 150_000 }).filter((n) => n !== 0),
    reason: fc.constantFrom("", "goodwill", "correction"),
    key: fc.nat(3)
  }),
  fc.record({ kind: fc.constant("coupon" as const), user, redemption: fc.nat(2), amount })
)

/** An independent, deliberately naive model of what the ledger must do. */
class Oracle {
  balance = new Map<string, number>()
  seen = new Set<string>()
  charges = new Map<string, Array<{ id: string; amount: number; refunded: number }>>()

  bal(u: string) {
    return this.balance.get(u) ?? 0
  }
}

const runCommand = (c: Command, chargeId: string) => {
  const meta = system
  switch (c.kind) {
    case "topUp":
      return creditTopUp({ userId: c.user, paymentReference: `${c.user}-pay-${c.payment}`, amount: c.amount }, meta)
    case "charge":
      return chargeWallet(
        {
          userId: c.user,
          amount: c.amount,
          cause: period(`sub-${c.user}-${c.subscription}`, `2026-0${c.month + 1}-01`),
          description: "period"
        },
        meta
      )
    case "coupon":
      return grantCouponCredit(
        { userId: c.user, amount: c.amount, couponCode: "PROMO", redemptionId: `r${c.redemption}` },
        meta
      )
    case "adjust":
      return Effect.flatMap(TransactionIds, (ids) => ids.next).pipe(
        Effect.flatMap((transactionId) =>
          executeWalletCommand(
            c.user,
            {
              _tag: "AdjustCredit",
              transactionId,
              amount: c.amount,
              reference: `adjust:${c.key}`,
              adminId: "admin-1",
              reason: c.reason
            },
            meta
          )
        )
      )
    case "refund":
      return refundCharge(
        {
          userId: c.user,
          chargeTransactionId: chargeId,
          amount: c.amount,
          reason: "test",
          reference: `ref-${c.refund}`
        },
        meta
      )
  }
}

/** What the oracle expects: "ok" (balance moves), "replay" (already applied) or an error tag. */
const expectOf = (o: Oracle, c: Command, chargeId: string | undefined): { outcome: string; delta: number } => {
  const b = o.bal(c.user)
  switch (c.kind) {
    case "topUp":
      return o.seen.has(`${c.user}|topup:${c.user}-pay-${c.payment}`)
        ? { outcome: "replay", delta: 0 }
        : { outcome: "ok", delta: c.amount }
    case "coupon":
      return o.seen.has(`${c.user}|coupon:r${c.redemption}`)
        ? { outcome: "replay", delta: 0 }
        : { outcome: "ok", delta: c.amount }
    case "charge":
      if (o.seen.has(`${c.user}|period:sub-${c.user}-${c.subscription}:2026-0${c.month + 1}-01`))
        return { outcome: "replay", delta: 0 }
      return c.amount <= b ? { outcome: "ok", delta: -c.amount } : { outcome: "InsufficientCredit", delta: 0 }
    case "adjust":
      if (o.seen.has(`${c.user}|adjust:${c.key}`)) return { outcome: "replay", delta: 0 }
      if (c.reason === "") return { outcome: "InvalidLedgerCommand", delta: 0 }
      return c.amount < 0 && -c.amount > b
        ? { outcome: "InsufficientCredit", delta: 0 }
        : { outcome: "ok", delta: c.amount }
    case "refund": {
      if (o.seen.has(`${c.user}|refund:ref-${c.refund}`)) return { outcome: "replay", delta: 0 }
      const charge = (o.charges.get(c.user) ?? []).find((x) => x.id === chargeId)
      if (charge === undefined) return { outcome: "ChargeNotFound", delta: 0 }
      return c.amount <= charge.amount - charge.refunded
        ? { outcome: "ok", delta: c.amount }
        : { outcome: "RefundExceedsCharge", delta: 0 }
    }
  }
}

const referenceOf = (c: Command) => {
  switch (c.kind) {
    case "topUp":
      return `topup:${c.user}-pay-${c.payment}`
    case "coupon":
      return `coupon:r${c.redemption}`
    case "charge":
      return `period:sub-${c.user}-${c.subscription}:2026-0${c.month + 1}-01`
    case "adjust":
      return `adjust:${c.key}`
    case "refund":
      return `refund:ref-${c.refund}`
  }
}

const simulate = (commands: ReadonlyArray<Command>) =>
  Effect.gen(function* () {
    const store = yield* EventStore
    const queries = yield* WalletQueries
    const oracle = new Oracle()
    for (const c of commands) {
      const charges = oracle.charges.get(c.user) ?? []
      const chargeId =
        charges[c.kind === "refund" ? c.chargeIndex % Math.max(1, charges.length) : 0]?.id ?? "TXMP-999999"
      const expected = expectOf(oracle, c, chargeId)
      const before = (yield* store.readAll(0, 1_000_000)).length
      const result = yield* Effect.either(runCommand(c, chargeId))
      const after = (yield* store.readAll(0, 1_000_000)).length
      if (Either.isLeft(result)) {
        expect(result.left._tag).toBe(expected.outcome)
        expect(after).toBe(before) // a rejected command writes nothing
        continue
      }
      expect(result.right.applied ? "ok" : "replay").toBe(expected.outcome)
      expect(after - before).toBe(result.right.applied ? 1 : 0)
      if (!result.right.applied) continue
      oracle.seen.add(`${c.user}|${referenceOf(c)}`)
      oracle.balance.set(c.user, oracle.bal(c.user) + expected.delta)
      if (c.kind === "charge")
        oracle.charges.set(c.user, [...charges, { id: result.right.transactionId, amount: c.amount, refunded: 0 }])
      if (c.kind === "refund") charges.find((x) => x.id === chargeId)!.refunded += c.amount
      expect(result.right.balance).toBe(oracle.bal(c.user))
      expect((yield* queries.summary(c.user)).balance).toBeGreaterThanOrEqual(0)
    }
    return { oracle, events: yield* store.readAll(0, 1_000_000) }
  })

const numRuns = Number(process.env["PROPERTY_RUNS"] ?? 1000)

describe("wallet ledger over random command sequences", () => {
  it("matches the oracle; replay = projection; no wallet < 0; one credit per payment; refunds bounded; debits have causes; accounts sum to 0", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 40 }), async (commands) => {
        await Effect.runPromise(
          Effect.gen(function* () {
            const { oracle, events } = yield* simulate(commands)
            const queries = yield* WalletQueries
            const store = yield* EventStore
            for (const u of users) {
              // Invariant 1: the projection equals the replay of the stream.
              const replayed = walletStream.load(yield* store.readStream(walletStreamId(u)))
              const projected = yield* queries.summary(u)
              expect(projected.balance).toBe(replayed.balance)
              expect(projected.totalTopUp).toBe(replayed.totalTopUp)
              expect(projected.totalSpent).toBe(replayed.totalSpent)
              expect(replayed.balance).toBe(oracle.bal(u))
            }
            const walletEvents: Array<[string, WalletEvent]> = events.map((e) => [e.streamId, walletStream.decode(e)])
            // Invariant 3: one credit per payment reference.
            const credits = walletEvents
              .filter(([, e]) => e._tag === "TopUpCredited")
              .map(([s, e]) => `${s}|${e.reference}`)
            expect(new Set(credits).size).toBe(credits.length)
            // Invariant 4: refunds bounded by their charge; every debit names its cause.
            const refunded = new Map<string, number>()
            for (const [, e] of walletEvents) {
              if (e._tag === "ChargeRefunded")
                refunded.set(e.chargeTransactionId, (refunded.get(e.chargeTransactionId) ?? 0) + e.amount)
              if (e._tag === "WalletCharged") expect(e.cause.subscriptionId.length).toBeGreaterThan(0)
              if (e._tag === "CreditAdjusted" && e.direction === "DEBIT")
                expect(e.reason.trim().length).toBeGreaterThan(0)
            }
            for (const [, e] of walletEvents) {
              if (e._tag === "WalletCharged") expect(refunded.get(e.transactionId) ?? 0).toBeLessThanOrEqual(e.amount)
            }
            // Invariants 1, 2, 7 and the hash chains, as the audit sees them.
            const replay = new LedgerReplay()
            events.forEach((e) => replay.observe(e))
            const { report } = replay.report({
              walletSummaries: yield* queries.allSummaries,
              accountTotals: yield* queries.accountTotals
            })
            expect(report.problems).toEqual([])
            expect(report.accountSum).toBe(0)
          }).pipe(Effect.provide(memoryLedgerLayer()))
        )
      }),
      { numRuns }
    )
  })
})
