import { Effect, ManagedRuntime } from "effect"
import postgres from "postgres"
import { describe, expect, inject, it } from "vitest"
import { creditTopUp } from "../../application/ledger/useCases.ts"
import { postgresLayer } from "../../infra/layers.ts"
import { createTestDatabase, dropDatabase } from "../support/database.ts"
import { system } from "../support/ledgerMother.ts"
import { auditAndDrop } from "../support/runAudit.ts"

const nameOf = (url: string) => new URL(url).pathname.slice(1)

describe("the run's closing ledger audit", () => {
  it("drops the databases that audit clean and reports, and keeps, one whose read model was edited behind the log", async () => {
    const [clean, edited, unmigrated] = await Promise.all([
      createTestDatabase({ audited: false }),
      createTestDatabase({ audited: false }),
      createTestDatabase({ audited: false, migrate: false })
    ])
    for (const db of [clean, edited]) {
      const runtime = ManagedRuntime.make(postgresLayer(db.url, 2))
      await runtime.runPromise(
        Effect.asVoid(creditTopUp({ userId: "u-1", paymentReference: "pay-1", amount: 10_000 }, system))
      )
      await runtime.dispose()
    }
    await edited.sql`update wallet_balances set balance = balance + 1`
    await Promise.all([clean, edited, unmigrated].map((db) => db.sql.end()))
    const adminUrl = inject("adminDatabaseUrl")
    try {
      const result = await auditAndDrop(
        adminUrl,
        [clean, edited, unmigrated].map((db) => nameOf(db.url))
      )
      expect(result.audited).toBe(3)
      expect(result.failed.map((f) => f.database)).toEqual([nameOf(edited.url)])
      expect(result.failed[0]!.problems.join("\n")).toMatch(/differs from replay/)
      const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
      const left = await admin<
        Array<{ datname: string }>
      >`select datname from pg_database where datname = any(${[clean, edited, unmigrated].map((db) => nameOf(db.url))})`
      await admin.end()
      expect(left.map((r) => r.datname)).toEqual([nameOf(edited.url)])
    } finally {
      await dropDatabase(adminUrl, nameOf(edited.url))
    }
  })
})
