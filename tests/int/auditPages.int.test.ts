import { Effect, Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { auditLedger, LedgerReplay } from "../../application/audit/ledgerAudit.ts"
import { EventStore, type RecordedEvent, type StreamAppend } from "../../application/ports/eventStore.ts"
import { LedgerSnapshots } from "../../application/ports/ledgerSnapshot.ts"
import { eventsOfPage } from "../../application/shared/eventPage.ts"
import { WalletEvent, walletStreamId } from "../../domain/ledger/index.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { postgresLedgerRuntime } from "../support/ledgerMother.ts"

const encode = Schema.encodeSync(WalletEvent)

let db: TestDatabase
let runtime: ReturnType<typeof postgresLedgerRuntime>

const awkward = [
  'quote " and backslash \\',
  "line\nbreak\ttab\u0001",
  "Kompensasi gangguan — maaf",
  "emoji 😀 and \u2028",
  "ünïcödé"
]
const users = 56 // 100 events each: more than one page of 5,000, so the reader connections take part

beforeAll(async () => {
  db = await createTestDatabase({ audited: false }) // its tests edit the ledger behind the log
  runtime = postgresLedgerRuntime(db.url)
  const appendFor = (u: number): StreamAppend => ({
    streamId: walletStreamId(`44444444-0000-4000-8000-${String(u).padStart(12, "0")}`),
    expectedVersion: 0,
    events: Array.from({ length: 100 }, (_, k) => {
      const n = u * 1_000 + k
      const event: WalletEvent =
        k % 10 === 9
          ? {
              _tag: "CreditAdjusted",
              transactionId: `TXMP-${n}`,
              direction: "CREDIT",
              amount: 1,
              reference: `adjust:${n}`,
              adminId: "admin",
              reason: awkward[n % awkward.length]!
            }
          : { _tag: "TopUpCredited", transactionId: `TXMP-${n}`, amount: 1_000 + k, reference: `topup:${n}` }
      return { type: event._tag, data: encode(event) }
    })
  })
  for (let from = 0; from < users; from += 8) {
    const appends = Array.from({ length: Math.min(8, users - from) }, (_, i) => appendFor(from + i))
    await runtime.runPromise(
      Effect.flatMap(EventStore, (s) =>
        s.append(appends, { actor: "test", reason: awkward[from % awkward.length]! }, new Date())
      )
    )
  }
}, 180_000)
afterAll(async () => {
  await runtime.dispose()
  await db.drop()
})

/** The reference reader: keyset rows through postgres.js, every event observed here. */
const referenceAudit = () =>
  runtime.runPromise(
    Effect.flatMap(LedgerSnapshots, (snapshots) =>
      snapshots.read((snapshot) =>
        Effect.gen(function* () {
          const replay = new LedgerReplay()
          yield* snapshot.forEachBatch({}, (events) => events.forEach((e) => replay.observe(e)))
          return replay.report(yield* snapshot.readModels, snapshot.at)
        })
      )
    )
  )

const bothReaders = () =>
  runtime.runPromise(
    Effect.flatMap(LedgerSnapshots, (snapshots) =>
      snapshots.read((snapshot) =>
        Effect.gen(function* () {
          const batches: Array<RecordedEvent> = []
          const pages: Array<RecordedEvent> = []
          let pageCount = 0
          yield* snapshot.forEachBatch({}, (events) => void batches.push(...events))
          yield* snapshot.forEachPage(async (json) => {
            pageCount++
            pages.push(...eventsOfPage(json))
          })
          return { batches, pages, pageCount, at: snapshot.at }
        })
      )
    )
  )

/** The same report, with the timing figures left out. */
const findings = ({ report, accounts }: Awaited<ReturnType<typeof referenceAudit>>) => ({
  ...report,
  seconds: undefined,
  eventsPerSecond: undefined,
  // The snapshot's transaction ids move with other test files' transactions between two audits.
  consistentUpTo: { ...report.consistentUpTo, snapshot: undefined },
  accounts
})

describe("the audit's pages", () => {
  it("carry exactly the events the row reader gives, in order, across pages built on several connections", async () => {
    const { batches, pages, pageCount, at } = await bothReaders()
    expect(pageCount).toBe(2)
    expect(pages).toHaveLength(at.events)
    expect(pages).toEqual(batches)
    expect(pages.some((e) => (e.metadata.reason ?? "").includes("😀"))).toBe(true)
  })

  it("give the reference replay's findings on a clean log and after a superuser's edits and deletion, hashing on a thread or here", async () => {
    const clean = await referenceAudit()
    expect(clean.report.ok).toBe(true)
    expect(findings(await runtime.runPromise(auditLedger({ offThreadFrom: 0 })))).toEqual(findings(clean))

    // Three streams (each user's 100 events are contiguous): one in each page, one at the second page's start.
    const at = async (offset: number) =>
      (
        await db.sql<
          Array<{ position: number }>
        >`select position from events order by position offset ${offset} limit 1`
      )[0]!.position
    const [first, second, third] = [await at(5_150), await at(5_000), await at(3_250)]
    await db.sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica` // superuser: the append-only triggers off
      await tx`update events set data = jsonb_set(data, '{amount}', '999999') where position = ${first}`
      await tx`update events set metadata = jsonb_set(metadata, '{reason}', '"edited — \\"quietly\\""') where position = ${second}`
      await tx`delete from events where position = ${third}`
    })
    const tampered = await referenceAudit()
    expect(tampered.report.ok).toBe(false)
    expect(tampered.report.problems.map((p) => p.position)).toEqual(expect.arrayContaining([first, second, third! + 1]))
    expect(findings(await runtime.runPromise(auditLedger({ offThreadFrom: 0 })))).toEqual(findings(tampered))
    expect(findings(await runtime.runPromise(auditLedger({ offThreadFrom: Number.POSITIVE_INFINITY })))).toEqual(
      findings(tampered)
    )
  })
})
