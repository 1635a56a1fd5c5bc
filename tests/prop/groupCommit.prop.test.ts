import { Effect, Exit, Layer, ManagedRuntime } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { IdGeneratorCrypto } from "../../adapters/crypto/ids.ts"
import { PgLive } from "../../adapters/postgres/client.ts"
import { eventStorePostgres } from "../../adapters/postgres/eventStore.ts"
import { WalletQueriesPostgres } from "../../adapters/postgres/walletReadModel.ts"
import { PageHashWorkers } from "../../adapters/threads/pageHashWorkers.ts"
import { auditLedger } from "../../application/audit/ledgerAudit.ts"
import { executeWalletCommand } from "../../application/ledger/walletStream.ts"
import { EventStore } from "../../application/ports/eventStore.ts"
import { WalletQueries } from "../../application/ports/walletQueries.ts"
import { LedgerSnapshotsPostgres } from "../../adapters/postgres/ledgerSnapshot.ts"
import { type WalletCommand, walletStreamId } from "../../domain/ledger/index.ts"
import { readModels } from "../../infra/projections.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { memoryLedgerLayer, period } from "../support/ledgerMother.ts"

/**
 * Group commit over random interleavings: commands on a few wallets issued concurrently (random
 * delays, random batch bounds) against Postgres give exactly the results, events and balances of
 * one serial order — the order in which the store decided them, replayed on the in-memory
 * ledger — and the audit stays clean. A poisoned command (its projection fails in SQL) fails
 * alone: its batch is rerun command by command.
 */

type Kind =
  | { kind: "topUp"; payment: number; amount: number }
  | { kind: "charge"; subscription: number; amount: number }
  | { kind: "refund"; charge: number; amount: number; refund: number }
  | { kind: "adjust"; amount: number; key: number }

interface Step {
  readonly user: number
  readonly delayMs: number
  readonly poisoned: boolean
  readonly what: Kind
}

const amount = fc.integer({ min: 1, max: 60_000 })
// Several kinds, weighted so wallets get credit and charges succeed as often as they are refused.
const step: fc.Arbitrary<Step> = fc.record({
  user: fc.nat(2),
  delayMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 4 })),
  poisoned: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
  what: fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("topUp" as const), payment: fc.nat(3), amount }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("charge" as const), subscription: fc.nat(3), amount }) },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant("refund" as const), charge: fc.nat(30), amount, refund: fc.nat(2) })
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("adjust" as const),
        amount: fc.integer({ min: -60_000, max: 60_000 }).filter((n) => n !== 0),
        key: fc.nat(2)
      })
    }
  )
})
// Few transactions in flight, so commands queue and batches form (as under load).
const bounds = fc.record({ maxBatch: fc.integer({ min: 2, max: 12 }), maxInFlight: fc.integer({ min: 1, max: 2 }) })

let db: TestDatabase
let round = 0
/** Commands that moved money over all runs: the property must not hold vacuously. */
let applied = 0
beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(() => db.drop())

/** Transaction ids are TXMP-<n>: each run has its own thousand. */
const txmp = (run: number, i: number) => `TXMP-${900_000_000 + run * 1_000 + i}`

const commandOf = (s: Step, i: number, run: number): WalletCommand => {
  const transactionId = txmp(run, i)
  switch (s.what.kind) {
    case "topUp":
      return { _tag: "CreditTopUp", transactionId, amount: s.what.amount, reference: `topup:${s.what.payment}` }
    case "charge":
      return {
        _tag: "ChargeWallet",
        transactionId,
        amount: s.what.amount,
        reference: `period:${s.what.subscription}`,
        cause: period(`sub-${s.what.subscription}`),
        description: "period"
      }
    case "refund":
      return {
        _tag: "RefundCharge",
        transactionId,
        amount: s.what.amount,
        reference: `refund:${s.what.refund}`,
        chargeTransactionId: txmp(run, s.what.charge),
        reason: "test"
      }
    case "adjust":
      return {
        _tag: "AdjustCredit",
        transactionId,
        amount: s.what.amount,
        reference: `adjust:${s.what.key}`,
        adminId: "admin",
        reason: "correction"
      }
  }
}

type Outcome =
  | { readonly ok: { readonly applied: boolean; readonly balance: number; readonly transactionId: string } }
  | { readonly error: string }

const outcomeOf = (
  exit: Exit.Exit<{ applied: boolean; balance: number; transactionId: string }, { _tag: string }>
): Outcome =>
  Exit.isSuccess(exit)
    ? { ok: { applied: exit.value.applied, balance: exit.value.balance, transactionId: exit.value.transactionId } }
    : { error: Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error._tag : "defect" }

describe("group commit on Postgres", () => {
  it("batched execution = one serial order (results, events, balances); a poisoned command fails alone; the audit is clean", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 30 }), bounds, async (steps, groupCommit) => {
        const run = ++round
        const prefix = `gc${run}`
        const users = [0, 1, 2].map((u) => `${prefix}-u${u}`)
        // The order the store decided in: a command's last decision is the one that counted.
        const decided: Array<string> = []
        const observed = Layer.effect(
          EventStore,
          Effect.map(EventStore, (inner) =>
            EventStore.of({
              ...inner,
              transact: (ids, decide, metadata, at) =>
                inner.transact(
                  ids,
                  (streams) => {
                    decided.push(metadata.correlationId!)
                    return decide(streams)
                  },
                  metadata,
                  at
                )
            })
          )
        ).pipe(Layer.provide(eventStorePostgres({ projections: readModels, groupCommit })))
        const runtime = ManagedRuntime.make(
          Layer.mergeAll(observed, WalletQueriesPostgres, LedgerSnapshotsPostgres, PageHashWorkers(1)).pipe(
            Layer.provideMerge(PgLive(db.url, { max: 8 })),
            Layer.provideMerge(IdGeneratorCrypto)
          )
        )
        try {
          const commands = steps.map((s, i) => commandOf(s, i, run))
          // A poisoned command's transaction id is already in the read model: its projection fails.
          for (const [i, s] of steps.entries()) {
            if (!s.poisoned) continue
            await db.sql`insert into ledger_entries (transaction_id, user_id, type, status, direction, amount, balance_before,
              balance_after, from_account, to_account, cause_type, cause_id, description, position, created_at)
              values (${commands[i]!.transactionId}, 'poison', 'TOP_UP', 'COMPLETED', 'CREDIT', 1, 0, 1, 'a', 'b', 'c', 'd', 'e', 0, now())`
          }
          const outcomes: ReadonlyArray<Outcome> = await Promise.all(
            steps.map(async (s, i) => {
              if (s.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, s.delayMs))
              return outcomeOf(
                await runtime.runPromiseExit(
                  executeWalletCommand(users[s.user]!, commands[i]!, { actor: "prop", correlationId: String(i) })
                )
              )
            })
          )
          for (const [i, s] of steps.entries()) {
            if (!s.poisoned) continue
            expect(outcomes[i], `poisoned command ${i}`).not.toHaveProperty("ok.applied", true)
            await db.sql`delete from ledger_entries where transaction_id = ${commands[i]!.transactionId} and user_id = 'poison'`
          }
          applied += outcomes.filter((o) => "ok" in o && o.ok.applied).length
          // The serial order: commands by their last decision; poisoned ones wrote nothing.
          const last = new Map<number, number>()
          decided.forEach((id, at) => last.set(Number(id), at))
          const order = [...last.keys()].filter((i) => !steps[i]!.poisoned).sort((a, b) => last.get(a)! - last.get(b)!)
          const model = ManagedRuntime.make(memoryLedgerLayer())
          try {
            for (const i of order) {
              const expected = outcomeOf(
                await model.runPromiseExit(
                  executeWalletCommand(users[steps[i]!.user]!, commands[i]!, { actor: "prop" })
                )
              )
              expect(outcomes[i], `command ${i} (${commands[i]!._tag}) in serial order ${order.join(",")}`).toEqual(
                expected
              )
            }
            for (const u of users) {
              const [pg, mem] = await Promise.all([
                runtime.runPromise(Effect.flatMap(EventStore, (s) => s.readStream(walletStreamId(u)))),
                model.runPromise(Effect.flatMap(EventStore, (s) => s.readStream(walletStreamId(u))))
              ])
              expect(pg.events.map((e) => [e.type, e.data])).toEqual(mem.events.map((e) => [e.type, e.data]))
              const [pgBalance, memBalance] = await Promise.all([
                runtime.runPromise(Effect.flatMap(WalletQueries, (q) => q.summary(u))),
                model.runPromise(Effect.flatMap(WalletQueries, (q) => q.summary(u)))
              ])
              expect(pgBalance).toEqual(memBalance)
            }
          } finally {
            await model.dispose()
          }
          const { report } = await runtime.runPromise(auditLedger())
          expect(report.problems).toEqual([])
        } finally {
          await runtime.dispose()
        }
      }),
      { numRuns: Number(process.env["PROPERTY_RUNS"] ?? 40) }
    )
    expect(applied).toBeGreaterThan(round)
  })
})
