import { Effect } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { LedgerReplay } from "../../application/audit/ledgerAudit.ts"
import { creditTopUp } from "../../application/ledger/useCases.ts"
import { EventStore, type RecordedEvent } from "../../application/ports/eventStore.ts"
import { WalletQueries } from "../../application/ports/walletQueries.ts"
import { verifyChain } from "../../application/shared/eventHash.ts"
import { memoryLedgerLayer, system } from "../support/ledgerMother.ts"

const numRuns = Number(process.env["PROPERTY_RUNS"] ?? 1000)

/** A valid log of one wallet's top-ups, with the read models that go with it. */
const buildLog = (amounts: ReadonlyArray<number>) =>
  Effect.gen(function* () {
    for (const [i, amount] of amounts.entries()) {
      yield* creditTopUp({ userId: "u1", paymentReference: `pay-${i}`, amount }, system)
    }
    const queries = yield* WalletQueries
    return {
      events: yield* (yield* EventStore).readAll(0, 10_000),
      summaries: yield* queries.allSummaries,
      totals: yield* queries.accountTotals
    }
  }).pipe(Effect.provide(memoryLedgerLayer()), Effect.runPromise)

type Tamper =
  | { kind: "edit"; index: number; amount: number }
  | { kind: "delete"; index: number }
  | { kind: "swap"; index: number; other: number }

const tamper = (events: ReadonlyArray<RecordedEvent>, t: Tamper): Array<RecordedEvent> => {
  const copy = [...events]
  switch (t.kind) {
    case "edit": {
      const e = copy[t.index]!
      copy[t.index] = { ...e, data: { ...(e.data as object), amount: t.amount } }
      return copy
    }
    case "delete":
      copy.splice(t.index, 1)
      return copy
    case "swap": {
      const a = copy[t.index]!
      copy[t.index] = { ...copy[t.other]!, position: a.position }
      copy[t.other] = { ...a, position: copy[t.other]!.position }
      return copy
    }
  }
}

const scenario = fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 2, maxLength: 12 }).chain((amounts) =>
  fc.tuple(
    fc.constant(amounts),
    fc.oneof(
      fc.record({
        kind: fc.constant("edit" as const),
        index: fc.nat(amounts.length - 1),
        amount: fc.integer({ min: 1, max: 2_000_000 })
      }),
      fc.record({ kind: fc.constant("delete" as const), index: fc.nat(amounts.length - 1) }),
      fc.nat(amounts.length - 2).chain((index) =>
        fc.record({
          kind: fc.constant("swap" as const),
          index: fc.constant(index),
          other: fc.integer({ min: index + 1, max: amounts.length - 1 })
        })
      )
    )
  )
)

describe("hash chains", () => {
  it("an untouched log verifies", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 1_000_000 }), { maxLength: 12 }), async (amounts) => {
        const log = await buildLog(amounts)
        expect(verifyChain(log.events)).toBeUndefined()
        const replay = new LedgerReplay()
        log.events.forEach((e) => replay.observe(e))
        expect(replay.report({ walletSummaries: log.summaries, accountTotals: log.totals }).report.ok).toBe(true)
      }),
      { numRuns: Math.ceil(numRuns / 4) }
    )
  })

  it("a random edit, delete or reorder is caught, at the tampered event", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ([amounts, t]) => {
        fc.pre(!(t.kind === "edit" && amounts[t.index] === t.amount)) // an "edit" to the same value is no edit
        const log = await buildLog(amounts)
        const tampered = tamper(log.events, t)
        const replay = new LedgerReplay()
        tampered.forEach((e) => replay.observe(e))
        const { report } = replay.report({ walletSummaries: log.summaries, accountTotals: log.totals })
        expect(report.ok).toBe(false)
        const deletedLast = t.kind === "delete" && t.index === amounts.length - 1
        if (deletedLast) {
          // Nothing follows to break the chain; the projection no longer matches the replay.
          expect(report.problems[0]!.problem).toMatch(/differs from replay/)
          return
        }
        expect(verifyChain(tampered)?.index).toBe(t.index)
        expect(report.problems[0]!.position).toBe(tampered[t.index]!.position)
      }),
      { numRuns }
    )
  })
})
