import { randomUUID } from "node:crypto"
import { execFile } from "node:child_process"
import { cp, mkdtemp, readdir, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { Effect, Either, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { migrate, MigrationChanged } from "../../adapters/postgres/migrator.ts"
import { auditLedger } from "../../application/audit/ledgerAudit.ts"
import { chargeWallet, creditTopUp, refundCharge } from "../../application/ledger/useCases.ts"
import { executeWalletCommand } from "../../application/ledger/walletStream.ts"
import { walletStream } from "../../application/shared/streams.ts"
import { EventStore } from "../../application/ports/eventStore.ts"
import { WalletQueries } from "../../application/ports/walletQueries.ts"
import { GENESIS_HASH, hashEvent, verifyChain } from "../../application/shared/eventHash.ts"
import { walletStreamId } from "../../domain/ledger/index.ts"
import { postgresLayer } from "../../infra/layers.ts"
import { createTestDatabase, migrationsDir, type TestDatabase } from "../support/database.ts"
import { period, system } from "../support/ledgerMother.ts"
import { compiledScript } from "../support/compiled.ts"

const exec = promisify(execFile)

let db: TestDatabase
let runtime: ManagedRuntime.ManagedRuntime<ManagedRuntime.ManagedRuntime.Context<ReturnType<typeof makeRuntime>>, never>
const makeRuntime = (url: string) => ManagedRuntime.make(postgresLayer(url, 64))

beforeAll(async () => {
  db = await createTestDatabase()
  runtime = makeRuntime(db.url)
})
afterAll(async () => {
  await runtime.dispose()
  await db.drop()
})

const run = <A, E>(effect: Effect.Effect<A, E, ManagedRuntime.ManagedRuntime.Context<typeof runtime>>) =>
  runtime.runPromise(effect)

const fund = (userId: string, amount: number, ref = `fund-${userId}-${amount}`) =>
  run(creditTopUp({ userId, paymentReference: ref, amount }, system))

describe("ledger on Postgres under concurrency", () => {
  it("64 concurrent charges on one wallet: exactly the affordable ones succeed; balance = replay; versions gap-free", async () => {
    const userId = "11111111-0000-0000-0000-000000000064"
    await fund(userId, 100_000)
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        run(
          Effect.either(
            chargeWallet({ userId, amount: 3_000, cause: period(`sub-${i}`), description: "period" }, system)
          )
        )
      )
    )
    const succeeded = results.filter(Either.isRight)
    const refused = results.filter(Either.isLeft)
    expect(succeeded).toHaveLength(33) // floor(100000 / 3000)
    expect(refused.every((r) => r.left._tag === "InsufficientCredit")).toBe(true)
    const stream = await run(Effect.flatMap(EventStore, (s) => s.readStream(walletStreamId(userId))))
    expect(stream.events.map((e) => e.version)).toEqual(Array.from({ length: 34 }, (_, i) => i + 1))
    expect(verifyChain(stream.events)).toBeUndefined()
    const summary = await run(Effect.flatMap(WalletQueries, (q) => q.summary(userId)))
    expect(summary.balance).toBe(100_000 - 33 * 3_000)
    expect(walletStream.load(stream).balance).toBe(summary.balance)
    // The charges were group-committed (one ledger statement per batch): each line still carries
    // the balances before and after it, in log order, as if appended one by one.
    const lines = await db.sql<
      Array<{ balance_before: number; balance_after: number; amount: number; direction: string }>
    >`
      select balance_before, balance_after, amount, direction from ledger_entries where user_id = ${userId} order by position`
    expect(lines).toHaveLength(34)
    let balance = 0
    for (const line of lines) {
      expect(line.balance_before).toBe(balance)
      balance += line.direction === "CREDIT" ? line.amount : -line.amount
      expect(line.balance_after).toBe(balance)
    }
    expect(balance).toBe(summary.balance)
  })

  it("10 concurrent identical top-up credits produce one event", async () => {
    const userId = "11111111-0000-0000-0000-000000000010"
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        run(creditTopUp({ userId, paymentReference: "TXMP-5000", amount: 50_000 }, system))
      )
    )
    expect(results.filter((r) => r.applied)).toHaveLength(1)
    expect(new Set(results.map((r) => r.transactionId)).size).toBe(1) // replays report the original transaction
    const stream = await run(Effect.flatMap(EventStore, (s) => s.readStream(walletStreamId(userId))))
    expect(stream.events).toHaveLength(1)
    expect((await run(Effect.flatMap(WalletQueries, (q) => q.summary(userId)))).balance).toBe(50_000)
  })

  it("concurrent first commands on a new wallet all land (the version conflict is retried)", async () => {
    const userId = "11111111-0000-0000-0000-000000000020"
    await Promise.all(Array.from({ length: 12 }, (_, i) => fund(userId, 1_000 + i, `p-${i}`)))
    const stream = await run(Effect.flatMap(EventStore, (s) => s.readStream(walletStreamId(userId))))
    expect(stream.events).toHaveLength(12)
    expect((await run(Effect.flatMap(WalletQueries, (q) => q.summary(userId)))).balance).toBe(12 * 1_000 + 66)
  })

  it("two concurrent refunds of one charge never exceed it", async () => {
    const userId = "11111111-0000-0000-0000-000000000030"
    await fund(userId, 10_000)
    const charge = await run(
      chargeWallet({ userId, amount: 10_000, cause: period("sub-r"), description: "period" }, system)
    )
    const results = await Promise.all(
      [1, 2].map((n) =>
        run(
          Effect.either(
            refundCharge(
              {
                userId,
                chargeTransactionId: charge.transactionId,
                amount: 6_000,
                reason: "cancel",
                reference: `r-${n}`
              },
              system
            )
          )
        )
      )
    )
    expect(results.filter(Either.isRight)).toHaveLength(1)
    expect(results.filter(Either.isLeft).map((r) => r.left._tag)).toEqual(["RefundExceedsCharge"])
    expect((await run(Effect.flatMap(WalletQueries, (q) => q.summary(userId)))).balance).toBe(6_000)
  })
})

describe("inline projections", () => {
  it("a projection that cannot apply its event rolls the whole append back", async () => {
    const userId = "11111111-0000-0000-0000-000000000050"
    await fund(userId, 10_000)
    // Occupy the next transaction id in the read model, so the projection's insert must fail.
    const [row] = await db.sql<Array<{ n: number }>>`select last_value + 1000 as n from transaction_number_seq`
    const taken = `TXMP-${row!.n}`
    await db.sql`insert into ledger_entries (transaction_id, user_id, type, status, direction, amount, balance_before,
      balance_after, from_account, to_account, cause_type, cause_id, description, position, created_at)
      values (${taken}, 'someone', 'TOP_UP', 'COMPLETED', 'CREDIT', 1, 0, 1, 'a', 'b', 'c', 'd', 'e', 0, now())`
    const before = await run(Effect.flatMap(EventStore, (s) => s.readStream(walletStreamId(userId))))
    const attempt = await runtime.runPromiseExit(
      Effect.flatMap(EventStore, () =>
        executeWalletCommand(
          userId,
          { _tag: "CreditTopUp", transactionId: taken, amount: 5_000, reference: "topup:clash" },
          system
        )
      )
    )
    expect(attempt._tag).toBe("Failure")
    const after = await run(Effect.flatMap(EventStore, (s) => s.readStream(walletStreamId(userId))))
    expect(after.events).toHaveLength(before.events.length)
    expect((await run(Effect.flatMap(WalletQueries, (q) => q.summary(userId)))).balance).toBe(10_000)
    await db.sql`delete from ledger_entries where transaction_id = ${taken}` // leave the read model honest
  })
})

describe("events table", () => {
  it("refuses UPDATE, DELETE and TRUNCATE in the database itself", async () => {
    await fund("11111111-0000-0000-0000-000000000040", 20_000)
    await expect(db.sql`update events set data = '{}'::jsonb`).rejects.toThrow(/append-only/)
    await expect(db.sql`delete from events`).rejects.toThrow(/append-only/)
    await expect(db.sql`truncate events`).rejects.toThrow(/append-only/)
  })

  it("readAll never returns an event behind one whose transaction is still open", async () => {
    const open = await db.sql.reserve()
    try {
      await open`begin`
      // A well-formed event (the run's closing audit replays this database too), just slow to commit.
      const slow = {
        streamId: "slow-1",
        version: 1,
        eventId: randomUUID(),
        type: "Noted",
        data: {},
        metadata: system,
        recordedAt: new Date().toISOString(),
        prevHash: GENESIS_HASH
      }
      await open`insert into events (stream_id, stream_version, event_id, type, data, metadata, recorded_at, prev_hash, hash)
        values (${slow.streamId}, 1, ${slow.eventId}, 'Noted', '{}', ${open.json(system)}, ${slow.recordedAt}, ${GENESIS_HASH}, ${hashEvent(slow)})`
      const [row] = await db.sql<Array<{ max: number }>>`select coalesce(max(position), 0)::bigint as max from events`
      const max = row!.max
      await run(
        Effect.flatMap(EventStore, (s) =>
          s.append(
            [{ streamId: "fast-1", expectedVersion: 0, events: [{ type: "Noted", data: {} }] }],
            system,
            new Date()
          )
        )
      )
      const whileOpen = await run(Effect.flatMap(EventStore, (s) => s.readAll(0, 100_000)))
      expect(whileOpen.some((e) => e.streamId === "fast-1")).toBe(false)
      expect(whileOpen.every((e) => e.position <= max)).toBe(true)
      await open`commit`
      const afterCommit = await run(Effect.flatMap(EventStore, (s) => s.readAll(0, 100_000)))
      expect(afterCommit.map((e) => e.streamId)).toEqual(expect.arrayContaining(["slow-1", "fast-1"]))
    } finally {
      open.release()
    }
  })
})

describe("audit", () => {
  it("is clean on an honest log, and names the event a superuser tampered with (triggers disabled)", async () => {
    const { report: clean } = await run(auditLedger())
    // slow-1 was written by raw SQL above, well formed: nothing to flag.
    expect(clean.problems).toEqual([])

    const fresh = await createTestDatabase({ audited: false }) // tampered with below
    const freshRuntime = makeRuntime(fresh.url)
    const auditCli = (env: NodeJS.ProcessEnv) =>
      exec(process.execPath, [compiledScript("audit")], { env }).then(
        () => expect.unreachable("audit must exit non-zero"),
        (error: { code: number; stdout: string }) => error
      )
    try {
      const userId = "22222222-0000-0000-0000-000000000001"
      for (const [i, amount] of [10_000, 20_000, 30_000].entries()) {
        await freshRuntime.runPromise(creditTopUp({ userId, paymentReference: `pay-${i}`, amount }, system))
      }
      const env = { ...process.env, DATABASE_URL: fresh.url }
      const ok = await exec(process.execPath, [compiledScript("audit")], { env })
      expect(ok.stdout).toMatch(/AUDIT OK/)

      const [target] = await fresh.sql<Array<{ position: number }>>`
        select position from events where stream_id = ${walletStreamId(userId)} and stream_version = 2`
      await fresh.sql.begin(async (tx) => {
        await tx`set local session_replication_role = replica` // superuser: user triggers off
        await tx`update events set data = jsonb_set(data, '{amount}', '99999') where position = ${target!.position}`
      })
      const failed = await auditCli(env)
      expect(failed.code).toBe(1)
      expect(failed.stdout).toMatch(
        new RegExp(`first bad event: position=${target!.position} stream=wallet-${userId} version=2`)
      )

      // A read model edited behind the ledger's back is reported too.
      const other = "22222222-0000-0000-0000-000000000002"
      await freshRuntime.runPromise(creditTopUp({ userId: other, paymentReference: "pay-x", amount: 5_000 }, system))
      await fresh.sql`update wallet_balances set balance = balance + 1000000 where user_id = ${other}`
      const { report: drift } = await freshRuntime.runPromise(auditLedger())
      expect(drift.problems.map((p) => p.problem).join("\n")).toMatch(
        new RegExp(`wallet-${other}[\\s\\S]*differs from replay|projection .*differs from replay`)
      )
    } finally {
      await freshRuntime.dispose()
      await fresh.drop()
    }
  })
})

describe("migrations", () => {
  it("apply each file once, concurrently safe, and refuse a changed applied file", async () => {
    const fresh = await createTestDatabase({ migrate: false })
    try {
      const results = await Promise.all([migrate(fresh.sql, migrationsDir), migrate(fresh.sql, migrationsDir)])
      const files = (await readdir(migrationsDir)).filter((f) => f.endsWith(".sql")).length
      expect(results.map((r) => r.applied.length).sort()).toEqual([0, files])
      const dir = await mkdtemp(join(tmpdir(), "migrations-"))
      await cp(migrationsDir, dir, { recursive: true })
      await writeFile(join(dir, "002_ledger.sql"), "-- edited\n", { flag: "a" })
      await expect(migrate(fresh.sql, dir)).rejects.toBeInstanceOf(MigrationChanged)
    } finally {
      await fresh.drop()
    }
  })
})
