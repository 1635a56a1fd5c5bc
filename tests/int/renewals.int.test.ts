import { spawn } from "node:child_process"
import { once } from "node:events"
import { Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ClusterSimulated } from "../../adapters/cluster/simulated.ts"
import { auditLedger } from "../../application/audit/ledgerAudit.ts"
import { processRenewals, RenewalPolicy } from "../../application/renewals/useCases.ts"
import { ledgerLayer } from "../../infra/layers.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { periodChargesSql, seedDueSubscriptions } from "../support/renewalSeed.ts"

let db: TestDatabase
const replica = (url: string, pool: number) =>
  ManagedRuntime.make(Layer.mergeAll(
    ledgerLayer(url, pool),
    ClusterSimulated({ readinessDelayMs: 0, failNames: /^fail-/, hangNames: /^hang-/, patchFailNames: /^nopatch-/ }),
    Layer.succeed(RenewalPolicy, { retentionDays: 30 })
  ))
let a: ReturnType<typeof replica>
let b: ReturnType<typeof replica>

beforeAll(async () => {
  db = await createTestDatabase()
  a = replica(db.url, 8)
  b = replica(db.url, 8)
})
afterAll(async () => {
  await a.dispose()
  await b.dispose()
  await db.drop()
})

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString()

/** Period charges per subscription among the seeded ones: the invariant is exactly one for the renewed period. */
const renewalChargesOf = async (seeded: ReadonlyArray<{ id: string; periodEnd: string }>) => {
  const rows = await db.sql.unsafe<Array<{ subscription_id: string; period_start: string; n: number }>>(periodChargesSql)
  const byKey = new Map(rows.map((r) => [`${r.subscription_id}@${r.period_start}`, r.n]))
  return seeded.map((s) => byKey.get(`${s.id}@${s.periodEnd}`) ?? 0)
}

describe("renewals on Postgres", () => {
  it("two scheduler replicas at once over 1,000 due subscriptions: exactly one charge each, audit clean", async () => {
    const seeded = await a.runPromise(seedDueSubscriptions({ count: 1_000, balance: 60_000, price: 50_000, periodStart: daysAgo(40), prefix: "71111111" }))
    const [countsA, countsB] = await Promise.all([a.runPromise(processRenewals({ batch: 200 })), b.runPromise(processRenewals({ batch: 200 }))])
    expect(countsA.failed + countsB.failed).toBe(0)
    expect(countsA.renewed + countsB.renewed).toBe(1_000)
    // Both replicas did part of the work (otherwise the race was not a race).
    expect(countsA.renewed).toBeGreaterThan(0)
    expect(countsB.renewed).toBeGreaterThan(0)
    expect(new Set(await renewalChargesOf(seeded))).toEqual(new Set([1]))
    const [{ n }] = await db.sql<[{ n: number }]>`select count(*)::int as n from subscriptions where id = any(${seeded.map((s) => s.id)}::uuid[]) and period_end > now()`
    expect(n).toBe(1_000)
    const report = await a.runPromise(auditLedger())
    expect(report.problems).toEqual([])
  })

  it("a scheduler process killed mid-run: the next run resumes without doubles", async () => {
    const seeded = await a.runPromise(seedDueSubscriptions({ count: 300, balance: 60_000, price: 50_000, periodStart: daysAgo(35), prefix: "72222222" }))
    const child = spawn(process.execPath, ["--import", "tsx", "tests/support/renewalWorker.ts", db.url], { stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout!.on("data", (c: Buffer) => (output += c.toString()))
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()))
    const exited = once(child, "exit")
    // Kill it once it has committed some renewals but not all.
    for (;;) {
      const [{ n }] = await db.sql<[{ n: number }]>`select count(*)::int as n from events where type = 'SubscriptionRenewed' and stream_id like 'subscription-72222222%'`
      if (n >= 30 || child.exitCode !== null) break
      await new Promise((r) => setTimeout(r, 20))
    }
    child.kill("SIGKILL")
    await exited
    const before = await renewalChargesOf(seeded)
    expect(output).not.toContain("done")
    expect(before.filter((c) => c === 1).length).toBeGreaterThanOrEqual(30)
    expect(before.filter((c) => c === 0).length).toBeGreaterThan(0)
    const counts = await a.runPromise(processRenewals())
    expect(counts.renewed).toBe(before.filter((c) => c === 0).length)
    expect(new Set(await renewalChargesOf(seeded))).toEqual(new Set([1]))
    expect((await a.runPromise(auditLedger())).problems).toEqual([])
  })
})
