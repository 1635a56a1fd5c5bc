import { ManagedRuntime } from "effect"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { PageHashWorkers } from "../../adapters/threads/pageHashWorkers.ts"
import { LedgerReplay } from "../../application/audit/ledgerAudit.ts"
import type { RecordedEvent } from "../../application/ports/eventStore.ts"
import { PageHashes } from "../../application/ports/pageHashes.ts"
import { GENESIS_HASH, hashEvent, hashMismatches } from "../../application/shared/eventHash.ts"
import { eventsOfPage, type PageRow } from "../../application/shared/eventPage.ts"

const numRuns = Number(process.env["PROPERTY_RUNS"] ?? 1000)

// One worker thread for the whole file: the pages really cross a thread boundary.
const threads = ManagedRuntime.make(PageHashWorkers(1))
afterAll(() => threads.dispose())
const offThread = (json: string) => threads.runPromise(PageHashes).then((hashes) => hashes.mismatches(json))

const awkward = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom('"', "\\", "\n\t\u0000", "é€😀", "\u2028", "Kompensasi — maaf")
)

/** Event contents: mostly valid wallet events, some that no schema accepts. */
const walletData = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      _tag: fc.constant("TopUpCredited"),
      transactionId: fc.nat().map((n) => `TXMP-${n}`),
      amount: fc.integer({ min: 1, max: 1_000_000 }),
      reference: fc.string({ minLength: 1 })
    })
  },
  {
    weight: 3,
    arbitrary: fc.record({
      _tag: fc.constant("WalletCharged"),
      transactionId: fc.nat().map((n) => `TXMP-${n}`),
      amount: fc.integer({ min: 1, max: 1_000 }),
      reference: fc.string({ minLength: 1 }),
      cause: fc.record({
        _tag: fc.constant("SubscriptionPeriod"),
        subscriptionId: fc.constantFrom("s-1", "s-2"),
        periodStart: fc.constantFrom("2026-01", "2026-02")
      }),
      description: awkward
    })
  },
  {
    weight: 1,
    arbitrary: fc.record({
      _tag: fc.constantFrom("TopUpCredited", "Nonsense"),
      amount: fc.oneof(fc.integer(), fc.string()),
      extra: awkward
    })
  }
)

interface Draft {
  readonly stream: number
  readonly data: Record<string, unknown>
  readonly metadata: Record<string, unknown>
}

/** A hash-chained log over a few wallet streams (and one payment stream of junk), interleaved. */
const chained = (drafts: ReadonlyArray<Draft>): Array<RecordedEvent> => {
  const heads = new Map<string, { version: number; hash: string }>()
  return drafts.map((d, i) => {
    const streamId = d.stream === 3 ? "payment-o-1" : `wallet-u-${d.stream}`
    const head = heads.get(streamId) ?? { version: 0, hash: GENESIS_HASH }
    const fields = {
      streamId,
      version: head.version + 1,
      eventId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      type: String(d.data["_tag"]),
      data: d.data,
      metadata: d.metadata,
      recordedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      prevHash: head.hash
    }
    const hash = hashEvent(fields)
    heads.set(streamId, { version: fields.version, hash })
    return { position: 10 + 2 * i, ...fields, hash }
  })
}

type Tamper =
  | {
      readonly kind: "edit" | "rehashedEdit" | "delete" | "bumpVersion" | "relink"
      readonly at: number
      readonly text: string
    }
  | { readonly kind: "swap"; readonly at: number; readonly text: string }

const tampered = (events: ReadonlyArray<RecordedEvent>, tampers: ReadonlyArray<Tamper>): Array<RecordedEvent> => {
  const log = [...events]
  for (const t of tampers) {
    const i = t.at % log.length
    const e = log[i]!
    switch (t.kind) {
      case "edit":
        log[i] = { ...e, metadata: { ...e.metadata, reason: t.text } }
        break
      case "rehashedEdit": {
        const edited = { ...e, data: { ...(e.data as object), amount: 7 } }
        log[i] = { ...edited, hash: hashEvent(edited) }
        break
      }
      case "delete":
        if (log.length > 1) log.splice(i, 1)
        break
      case "bumpVersion":
        log[i] = { ...e, version: e.version + 1 }
        break
      case "relink":
        log[i] = { ...e, prevHash: e.hash }
        break
      case "swap": {
        const j = (i + 1) % log.length
        log[i] = { ...log[j]!, position: e.position }
        log[j] = { ...e, position: log[j]!.position }
        break
      }
    }
  }
  return log
}

const scenario = fc.record({
  drafts: fc.array(
    fc.record({
      stream: fc.nat(3),
      data: walletData,
      metadata: fc.record({ actor: awkward, reason: fc.option(awkward, { nil: undefined }) })
    }),
    { minLength: 1, maxLength: 40 }
  ),
  tampers: fc.array(
    fc.record({
      kind: fc.constantFrom("edit", "rehashedEdit", "delete", "bumpVersion", "relink", "swap"),
      at: fc.nat(),
      text: awkward
    }),
    { maxLength: 3 }
  ),
  cuts: fc.array(fc.integer({ min: 1, max: 15 }), { minLength: 1, maxLength: 10 })
})

const toRow = (e: RecordedEvent): PageRow => [
  e.position,
  e.streamId,
  e.version,
  e.eventId,
  e.type,
  e.data,
  e.metadata,
  e.recordedAt,
  e.prevHash,
  e.hash
]

/** The log cut into pages of the given sizes (the last size repeated), each as the JSON text a page carries. */
const pagesOf = (log: ReadonlyArray<RecordedEvent>, cuts: ReadonlyArray<number>): Array<string> => {
  const pages: Array<string> = []
  for (let at = 0, k = 0; at < log.length; k++) {
    const size = cuts[Math.min(k, cuts.length - 1)]!
    pages.push(JSON.stringify(log.slice(at, at + size).map(toRow)))
    at += size
  }
  return pages
}

describe("the audit's page path", () => {
  it("finds exactly what the one-event-at-a-time replay finds, on random logs with random tampering, however the pages are cut, hashing here or on a thread", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ drafts, tampers, cuts }) => {
        const log = tampered(chained(drafts as ReadonlyArray<Draft>), tampers as ReadonlyArray<Tamper>)
        const reference = new LedgerReplay()
        for (const event of log) reference.observe(event)
        const expected = reference.report({})

        const here = new LedgerReplay()
        const threaded = new LedgerReplay()
        for (const json of pagesOf(log, cuts)) {
          const events = eventsOfPage(json)
          const mismatches = await offThread(json)
          expect(mismatches).toEqual(hashMismatches(events))
          here.observePage(events)
          threaded.observePage(events, mismatches)
        }
        expect(here.report({})).toEqual(expected)
        expect(threaded.report({})).toEqual(expected)
        if (tampers.length === 0)
          expect(expected.report.problems.filter((p) => /hash|prev_hash|stream version/.test(p.problem))).toEqual([])
      }),
      { numRuns: Math.ceil(numRuns / 4) }
    )
  })

  it("a page's rows read back as the events they were written from", () => {
    fc.assert(
      fc.property(scenario, ({ drafts }) => {
        const log = chained(drafts as ReadonlyArray<Draft>)
        expect(eventsOfPage(JSON.stringify(log.map(toRow)))).toEqual(log)
      }),
      { numRuns: Math.ceil(numRuns / 4) }
    )
  })
})
