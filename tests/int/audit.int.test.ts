import { execFile } from "node:child_process"
import { mkdtemp, readFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { Effect, Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { auditLedger, LedgerReplay } from "../../application/audit/ledgerAudit.ts"
import { periodTotals, walletStatement } from "../../application/audit/statements.ts"
import { creditTopUp } from "../../application/ledger/useCases.ts"
import { EventStore } from "../../application/ports/eventStore.ts"
import { LedgerSnapshots } from "../../application/ports/ledgerSnapshot.ts"
import { walletStreamId, WalletEvent } from "../../domain/ledger/index.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { period, postgresLedgerRuntime, system } from "../support/ledgerMother.ts"
import { compiledScript } from "../support/compiled.ts"

const exec = promisify(execFile)
const encodeWalletEvent = Schema.encodeSync(WalletEvent)

let db: TestDatabase
let other: TestDatabase
let runtime: ReturnType<typeof postgresLedgerRuntime>

beforeAll(async () => {
  ;[db, other] = await Promise.all([createTestDatabase(), createTestDatabase({ migrate: false })])
  runtime = postgresLedgerRuntime(db.url)
})
afterAll(async () => {
  await runtime.dispose()
  await Promise.all([db.drop(), other.drop()])
})

const topUps = (userId: string, from: number, count: number) =>
  Promise.all(
    Array.from({ length: count }, (_, i) =>
      runtime.runPromise(creditTopUp({ userId, paymentReference: `pay-${from + i}`, amount: 1_000 }, system))
    )
  )

const readAll = () => runtime.runPromise(Effect.flatMap(EventStore, (s) => s.readAll(0, 100_000)))

const exportEvents = async (afterPosition: number, limit: number | undefined) => {
  const exported = await runtime.runPromise(
    Effect.flatMap(LedgerSnapshots, (s) => s.exportEvents({ afterPosition }, limit))
  )
  let body = ""
  for await (const chunk of exported.lines) body += chunk
  return {
    ...exported,
    lines: body
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { position: number })
  }
}
const exportAll = () => exportEvents(0, undefined)

describe("the audit reads one consistent snapshot", () => {
  it("is not fooled by a transaction left open in another database (the commit-safe horizon is cluster-wide): nor are the export, the statements and the totals", async () => {
    const userId = "33333333-0000-0000-0000-000000000001"
    await topUps(userId, 0, 10)
    // A pg_dump, a long report or a forgotten psql session: an xid assigned, left open, elsewhere.
    const open = await other.sql.reserve()
    try {
      await open`begin`
      await open`select pg_current_xact_id()`
      await topUps(userId, 10, 20)

      // The tailing read stops at the open transaction (or earlier, if other test files hold the
      // server's horizon back too): right for a consumer, wrong for an audit.
      expect((await readAll()).length).toBeLessThanOrEqual(10)

      const { report } = await runtime.runPromise(auditLedger())
      expect(report.problems).toEqual([])
      expect(report.ok).toBe(true)
      expect(report.eventsChecked).toBe(30)
      expect(report.consistentUpTo).toMatchObject({ events: 30 })
      expect(report.accountsByKind["wallet"]).toEqual({ accounts: 1, total: 30_000 })

      const exported = await exportAll()
      expect(exported).toMatchObject({ total: 30, sent: 30, nextAfter: undefined })
      expect(exported.lines).toHaveLength(30)
      expect(exported.lines[29]!.position).toBe(exported.at.position)

      // Statements and period totals read the same kind of snapshot: all 30 movements.
      const everything = { from: new Date(0), to: new Date(Date.UTC(3000, 0, 1)) }
      const statement = await runtime.runPromise(walletStatement(userId, everything))
      expect(statement).toMatchObject({ openingBalance: 0, closingBalance: 30_000 })
      expect(statement.lines).toHaveLength(30)
      expect(await runtime.runPromise(periodTotals(everything))).toMatchObject({ movements: 30, topUps: 30_000 })
    } finally {
      await open`rollback`
      open.release()
    }
  })

  it("sees neither the events nor the read-model rows of a command that commits while it reads", async () => {
    const userId = "33333333-0000-0000-0000-000000000002"
    await topUps(userId, 100, 2)
    const { report, before, after } = await runtime.runPromise(
      Effect.gen(function* () {
        return yield* (yield* LedgerSnapshots).read((snapshot) =>
          Effect.gen(function* () {
            const before = snapshot.at.events
            // Commits on another connection after the snapshot was taken.
            yield* Effect.promise(() => topUps(userId, 200, 3))
            const replay = new LedgerReplay()
            let after = 0
            yield* snapshot.forEachBatch({}, (events) => {
              after += events.length
              events.forEach((e) => replay.observe(e))
            })
            return { ...replay.report(yield* snapshot.readModels, snapshot.at), before, after }
          })
        )
      })
    )
    expect(after).toBe(before)
    expect(report.problems).toEqual([])
    // …and the next audit sees them.
    const next = await runtime.runPromise(auditLedger())
    expect(next.report.eventsChecked).toBe(before + 3)
    expect(next.report.ok).toBe(true)
  })

  it("cuts an export only when asked, and says so before the first line", async () => {
    const all = await exportAll()
    const cut = await exportEvents(all.lines[2]!.position, 5)
    expect(cut.total).toBe(all.total - 3)
    expect(cut.sent).toBe(5)
    expect(cut.lines.map((l) => l.position)).toEqual(all.lines.slice(3, 8).map((l) => l.position))
    expect(cut.nextAfter).toBe(all.lines[7]!.position)
  })
})

describe("npm run audit", () => {
  it("prints the summary first; every account only with --accounts; the same figures as JSON with --out", async () => {
    const dir = await mkdtemp(join(tmpdir(), "audit-"))
    const out = join(dir, "report.json")
    const env = { ...process.env, DATABASE_URL: db.url }
    const { stdout } = await exec(process.execPath, [compiledScript("audit"), "--accounts", "--out", out], { env })
    const lines = stdout.split("\n")
    const verdict = lines.findIndex((l) => l.startsWith("AUDIT OK"))
    const listing = lines.indexOf("accounts (replayed):")
    expect(lines.findIndex((l) => l.startsWith("events checked: "))).toBeLessThan(verdict)
    expect(stdout).toMatch(/checked: wallets: 2, payments: 0/)
    expect(verdict).toBeLessThan(listing)
    expect(stdout).toMatch(/consistent up to position \d+/)
    expect(stdout).toMatch(/events\/s/)
    const written = JSON.parse(await readFile(out, "utf8"))
    expect(written.report.ok).toBe(true)
    expect(written.accounts["wallet:33333333-0000-0000-0000-000000000001"]).toBe(30_000)
    expect(lines.some((l) => /^ {2}wallet:33333333-0000-0000-0000-000000000001 +30000$/.test(l))).toBe(true)

    const quiet = await exec(process.execPath, [compiledScript("audit")], { env })
    expect(quiet.stdout).not.toMatch(/wallet:33333333/)

    const broken = await exec(process.execPath, [compiledScript("audit")], {
      env: { ...env, DATABASE_URL: db.url.replace(/\/[^/]+$/, "/no_such_database") }
    }).then(
      () => expect.unreachable("must fail"),
      (e: { code: number; stderr: string }) => e
    )
    expect(broken.code).toBe(2)
    expect(broken.stderr).toMatch(/audit could not run/)
  }, 180_000) // three CLI processes, each compiling the sources through tsx: ~15 s each on a loaded machine
})

describe("statements and period totals", () => {
  it("open with the balance before `from`, list every movement up to `to` (exclusive), close with the balance at `to`", async () => {
    const userId = "33333333-0000-0000-0000-0000000000aa"
    const at = (day: number) => new Date(Date.UTC(2020, 0, day))
    const moves: ReadonlyArray<[number, WalletEvent]> = [
      [1, { _tag: "TopUpCredited", transactionId: "TXMP-9001", amount: 100_000, reference: "topup:o-1" }],
      [
        2,
        {
          _tag: "WalletCharged",
          transactionId: "TXMP-9002",
          amount: 30_000,
          reference: "c-1",
          cause: period("s-1", "2020-01-02"),
          description: "period"
        }
      ],
      [
        3,
        {
          _tag: "ChargeRefunded",
          transactionId: "TXMP-9003",
          amount: 10_000,
          reference: "r-1",
          chargeTransactionId: "TXMP-9002",
          reason: "sorry"
        }
      ],
      [
        4,
        {
          _tag: "CreditAdjusted",
          transactionId: "TXMP-9004",
          direction: "DEBIT",
          amount: 5_000,
          reference: "a-1",
          adminId: "admin",
          reason: "fix"
        }
      ],
      [5, { _tag: "CouponCreditGranted", transactionId: "TXMP-9005", amount: 7_000, reference: "k-1", couponCode: "K" }]
    ]
    for (const [version, [day, event]] of moves.entries()) {
      await runtime.runPromise(
        Effect.flatMap(EventStore, (s) =>
          s.append(
            [
              {
                streamId: walletStreamId(userId),
                expectedVersion: version,
                events: [{ type: event._tag, data: encodeWalletEvent(event) }]
              }
            ],
            system,
            at(day)
          )
        )
      )
    }
    const statement = await runtime.runPromise(walletStatement(userId, { from: at(2), to: at(5) }))
    expect(statement).toMatchObject({
      openingBalance: 100_000,
      credits: 10_000,
      debits: 35_000,
      closingBalance: 75_000
    })
    expect(
      statement.lines.map((l) => [l.transactionId, l.kind, l.direction, l.amount, l.balanceAfter, l.counterparty])
    ).toEqual([
      ["TXMP-9002", "SUBSCRIPTION", "DEBIT", 30_000, 70_000, "revenue:subscriptions"],
      ["TXMP-9003", "REFUND", "CREDIT", 10_000, 80_000, "revenue:subscriptions"],
      ["TXMP-9004", "ADMIN_ADJUSTMENT", "DEBIT", 5_000, 75_000, "adjustments"]
    ])
    const stream = await runtime.runPromise(Effect.flatMap(EventStore, (s) => s.readStream(walletStreamId(userId))))
    expect(statement.lines.map((l) => [l.position, l.hash])).toEqual(
      stream.events.slice(1, 4).map((e) => [e.position, e.hash])
    )

    const totals = await runtime.runPromise(periodTotals({ from: at(2), to: at(5) }))
    expect(totals).toMatchObject({
      movements: 3,
      wallets: 1,
      topUps: 0,
      charges: 30_000,
      refunds: 10_000,
      adjustmentDebits: 5_000,
      couponCredits: 0,
      netRevenue: 20_000
    })
  })
})
