import { spawn } from "node:child_process"
import { once } from "node:events"
import { Effect, Layer, ManagedRuntime } from "effect"
import { makeDevClock } from "../../adapters/postgres/devClock.ts"
import { redeemCreditCoupon } from "../../application/coupon/useCases.ts"
import { Coupons } from "../../application/ports/coupons.ts"
import { SubscriptionQueries } from "../../application/ports/subscriptionQueries.ts"
import { subscribe } from "../../application/subscription/useCases.ts"
import { creditTopUp } from "../../application/ledger/useCases.ts"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ClusterMemory } from "../../adapters/memory/cluster.ts"
import { ProvisioningPolicy } from "../../application/subscription/naming.ts"
import { auditLedger } from "../../application/audit/ledgerAudit.ts"
import { processRenewals, RenewalPolicy } from "../../application/renewals/useCases.ts"
import { postgresLayer } from "../../infra/layers.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { periodChargesSql, seedDueSubscriptions } from "../support/renewalSeed.ts"

let db: TestDatabase
const replica = (url: string, pool: number) =>
  ManagedRuntime.make(
    Layer.mergeAll(
      postgresLayer(url, pool),
      ClusterMemory(),
      Layer.succeed(ProvisioningPolicy, { baseDomain: "apps.test", timeoutSeconds: 300, namespacePrefix: "user-" }),
      Layer.succeed(RenewalPolicy, { retentionDays: 30 })
    )
  )
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

/**
 * The audit reads in commit-safe order: events of transactions newer than the oldest one still
 * open anywhere on the server are not visible yet. Asked again until that horizon has passed.
 */
const auditProblems = async () => {
  let problems: ReadonlyArray<unknown> = []
  for (let attempt = 0; attempt < 40; attempt++) {
    problems = (await a.runPromise(auditLedger())).report.problems
    if (problems.length === 0) break
    await new Promise((r) => setTimeout(r, 250))
  }
  return problems
}

const fund = (userId: string, amount: number) =>
  creditTopUp({ userId, paymentReference: `fund-${userId}-${Math.random()}`, amount }, {})

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString()

/** Period charges per subscription among the seeded ones: the invariant is exactly one for the renewed period. */
const renewalChargesOf = async (seeded: ReadonlyArray<{ id: string; periodEnd: string }>) => {
  const rows =
    await db.sql.unsafe<Array<{ subscription_id: string; period_start: string; n: number }>>(periodChargesSql)
  const byKey = new Map(rows.map((r) => [`${r.subscription_id}@${r.period_start}`, r.n]))
  return seeded.map((s) => byKey.get(`${s.id}@${s.periodEnd}`) ?? 0)
}

describe("renewals on Postgres", () => {
  // First: its clock runs ahead of the other tests' subscriptions.
  it("a FREE_SERVICE coupon of 3 months: two 0-rupiah renewals counted down, then grace; a CREDIT_TOPUP coupon in grace renews at once", async () => {
    const coupons = (create: Parameters<Coupons["Type"]["create"]>[2], id: string) =>
      a.runPromise(Effect.flatMap(Coupons, (c) => c.create("admin", id, create)))
    await coupons(
      {
        code: "FREE3",
        name: "Three free months",
        type: "FREE_SERVICE",
        value: 0,
        freePlanId: "90000000-0000-4000-8000-000000000004",
        freeMonths: 3
      },
      "66666666-0000-4000-8000-000000000010"
    )
    await coupons(
      { code: "TOPUP50", name: "Credit", type: "CREDIT_TOPUP", value: 80_000 },
      "66666666-0000-4000-8000-000000000011"
    )
    const clock = await makeDevClock(db.sql)
    const run = <A, E>(effect: Effect.Effect<A, E, any>) =>
      a.runPromise(Effect.withClock(effect, clock.clock) as Effect.Effect<A, E, never>)
    const userId = "74444444-0000-4000-8000-000000000001"
    const sub = await run(
      subscribe({ userId, planId: "90000000-0000-4000-8000-000000000004", couponCode: "FREE3" }, { actor: userId })
    )
    expect(sub.freeMonthsLeft).toBe(2)
    const view = () => run(Effect.flatMap(SubscriptionQueries, (q) => q.find(sub.id)))
    for (const expected of [1, 0]) {
      await clock.advance(32 * 86_400_000)
      expect((await run(processRenewals())).renewed).toBeGreaterThanOrEqual(1)
      expect(await view()).toMatchObject({ renewalStatus: "ACTIVE", freeMonthsLeft: expected })
    }
    const renewals = await db.sql<Array<{ data: { charged: number; freeMonth: boolean } }>>`
      select data from events where stream_id = ${`subscription-${sub.id}`} and type = 'SubscriptionRenewed' order by position`
    expect(renewals.map((r) => [r.data.charged, r.data.freeMonth])).toEqual([
      [0, true],
      [0, true]
    ])
    // Each free month (the first included) is a 0-rupiah line in the user's history, for a user who never had credit.
    const lines = await db.sql<Array<{ type: string; amount: number; balance_after: number }>>`
      select type, amount::int, balance_after::int from ledger_entries where user_id = ${userId} order by position`
    expect(lines).toEqual([0, 1, 2].map(() => ({ type: "SUBSCRIPTION", amount: 0, balance_after: 0 })))
    await clock.advance(32 * 86_400_000)
    await run(processRenewals())
    expect((await view())!.renewalStatus).toBe("GRACE")
    await run(redeemCreditCoupon(userId, "TOPUP50", { actor: userId }))
    expect(await view()).toMatchObject({ renewalStatus: "ACTIVE", graceEndsAt: null })
    clock.stop()
  })

  it("suspended past retention: expired, the service released (subscribe again works), the slot released once only", async () => {
    const clock = await makeDevClock(db.sql)
    const run = <A, E>(effect: Effect.Effect<A, E, any>) =>
      a.runPromise(Effect.withClock(effect, clock.clock) as Effect.Effect<A, E, never>)
    const userId = "74444444-0000-4000-8000-000000000002"
    const plan = "90000000-0000-4000-8000-000000000006" // WordPress Basic
    const usedOf = async () =>
      (await db.sql<[{ used_quota: number }]>`select used_quota from plans where id = ${plan}`)[0].used_quota
    await a.runPromise(fund(userId, 60_000)) // exactly the first month: nothing left to renew with
    const sub = await run(subscribe({ userId, planId: plan }, { actor: userId }))
    const held = await usedOf()
    await clock.advance(32 * 86_400_000)
    await run(processRenewals()) // grace
    const view = () => run(Effect.flatMap(SubscriptionQueries, (q) => q.find(sub.id)))
    expect((await view())!.renewalStatus).toBe("GRACE")
    await clock.advance(8 * 86_400_000)
    await run(processRenewals())
    expect(await view()).toMatchObject({ status: "SUSPENDED", renewalStatus: "SUSPENDED" })
    expect(await usedOf()).toBe(held - 1)
    await clock.advance(31 * 86_400_000)
    await run(processRenewals())
    expect(await view()).toMatchObject({ status: "EXPIRED", renewalStatus: "EXPIRED" })
    expect(await usedOf()).toBe(held - 1)
    await a.runPromise(fund(userId, 100_000))
    expect((await run(subscribe({ userId, planId: plan }, { actor: userId }))).status).toBe("PENDING_DEPLOYMENT")
    clock.stop()
  })

  it("the development clock is one offset for every process: an advance on one is seen by the other", async () => {
    const one = await makeDevClock(db.sql, 50)
    const other = await makeDevClock(db.sql, 50)
    const wallBefore = Date.now()
    const before = other.now().getTime()
    await one.advance(3 * 86_400_000)
    // The other process re-reads the shared offset every 50 ms: wait until it has (bounded), not for a guessed time.
    for (let polls = 0; polls < 200 && other.now().getTime() - before < 3 * 86_400_000; polls++)
      await new Promise((r) => setTimeout(r, 25))
    const moved = other.now().getTime() - before
    // Exactly the advance, plus the real time that passed meanwhile.
    expect(moved).toBeGreaterThanOrEqual(3 * 86_400_000)
    expect(moved).toBeLessThanOrEqual(3 * 86_400_000 + (Date.now() - wallBefore))
    one.stop()
    other.stop()
  })

  it("two scheduler replicas at once over 1,000 due subscriptions: exactly one charge each, audit clean", async () => {
    const seeded = await a.runPromise(
      seedDueSubscriptions({
        count: 1_000,
        balance: 60_000,
        price: 50_000,
        periodStart: daysAgo(40),
        prefix: "71111111"
      })
    )
    const [countsA, countsB] = await Promise.all([
      a.runPromise(processRenewals({ batch: 200 })),
      b.runPromise(processRenewals({ batch: 200 }))
    ])
    expect(countsA.failed + countsB.failed).toBe(0)
    expect(countsA.renewed + countsB.renewed).toBe(1_000)
    expect(new Set(await renewalChargesOf(seeded))).toEqual(new Set([1]))
    const [{ n }] = await db.sql<
      [{ n: number }]
    >`select count(*)::int as n from subscriptions where id = any(${seeded.map((s) => s.id)}::uuid[]) and period_end > now()`
    expect(n).toBe(1_000)
    expect(await auditProblems()).toEqual([])
  })

  it("a scheduler process killed mid-run: the next run resumes without doubles", async () => {
    const seeded = await a.runPromise(
      seedDueSubscriptions({ count: 300, balance: 60_000, price: 50_000, periodStart: daysAgo(35), prefix: "72222222" })
    )
    const child = spawn(process.execPath, ["--import", "tsx", "tests/support/renewalWorker.ts", db.url], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout!.on("data", (c: Buffer) => (output += c.toString()))
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()))
    const exited = once(child, "exit")
    // Kill it once it has committed some renewals but not all.
    for (;;) {
      const [{ n }] = await db.sql<
        [{ n: number }]
      >`select count(*)::int as n from events where type = 'SubscriptionRenewed' and stream_id like 'subscription-72222222%'`
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
    expect(await auditProblems()).toEqual([])
  })
})
