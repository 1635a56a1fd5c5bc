import { availableParallelism, loadavg } from "node:os"
import { Effect, ManagedRuntime } from "effect"
import { auditLedger, LedgerReplay } from "../application/audit/ledgerAudit.ts"
import { LedgerSnapshots } from "../application/ports/ledgerSnapshot.ts"
import { connect } from "../adapters/postgres/client.ts"
import { postgresLayer } from "../infra/layers.ts"
import { buildAuditLog } from "./auditLog.ts"
import { benchDatabase } from "./harness.ts"
import { appendResult } from "./results.ts"

/**
 * `npm run bench:audit`: the audit's replay (pages read, decode, hash-chain verify, evolve,
 * compare with the read models) against a raw SQL aggregate of the same events, same run, and
 * against the reference replay (keyset rows on one thread: the replay before pages and threads).
 * AUDIT_EVENTS sets the ledger's size (default 1,000,000). AUDIT_LEDGER_URL replays a ledger
 * built before (a database this bench wrote, kept or copied with `create database … template …`)
 * instead of writing one: on a loaded machine writing 1,000,000 events takes over an hour.
 */
const target = Number(process.env["AUDIT_EVENTS"] ?? 1_000_000)
const existing = process.env["AUDIT_LEDGER_URL"]
const db =
  existing === undefined
    ? await benchDatabase()
    : { url: existing, description: "AUDIT_LEDGER_URL ledger", close: async () => {} }
const out = (line: string) =>
  process.stdout.write(`${line}
`)
out(
  `audit bench — ${db.description}, ${existing === undefined ? `~${target.toLocaleString("en")} events` : "an existing ledger"}, node ${process.version}`
)

if (existing === undefined) {
  const buildStarted = performance.now()
  let shown = 0
  const built = await buildAuditLog(db.url, target, (written) => {
    if (written - shown >= 100_000) {
      shown = written
      process.stderr.write(`  written ${written.toLocaleString("en")} events\n`)
    }
  })
  out(
    `log: ${built.events.toLocaleString("en")} events, ${built.users.toLocaleString("en")} wallets, written in ${((performance.now() - buildStarted) / 1000).toFixed(1)} s`
  )
}

const sql = connect(db.url, { max: 1 })
await sql`vacuum analyze events`
// The baseline: Postgres reads every event and folds the wallets' money into balances.
const rawStarted = performance.now()
const rawRows = await sql<Array<{ streams: number; events: number }>>`
  select count(*)::bigint as streams, sum(n)::bigint as events from (
    select stream_id, count(*) as n, sum(case type
      when 'TopUpCredited' then (data->>'amount')::bigint
      when 'ChargeRefunded' then (data->>'amount')::bigint
      when 'WalletCharged' then -(data->>'amount')::bigint
      else 0 end) as balance
    from events group by stream_id) s`
const rawSeconds = (performance.now() - rawStarted) / 1000
await sql.end()

const runtime = ManagedRuntime.make(postgresLayer(db.url, 4))
/** The replay as it was before pages and threads: keyset pages of rows through postgres.js, everything on this thread. */
const reference = Effect.flatMap(LedgerSnapshots, (snapshots) =>
  snapshots.read((snapshot) =>
    Effect.gen(function* () {
      const replay = new LedgerReplay()
      yield* snapshot.forEachBatch({}, (events) => {
        for (const event of events) replay.observe(event)
      })
      return replay.report(yield* snapshot.readModels, snapshot.at)
    })
  )
)
const timed = async <A>(run: () => Promise<A>) => {
  const cpu = process.cpuUsage()
  const started = performance.now()
  const result = await run()
  const used = process.cpuUsage(cpu)
  return { result, seconds: (performance.now() - started) / 1000, cpuMicros: used.user + used.system }
}
const before = await timed(() => runtime.runPromise(reference))
const after = await timed(() => runtime.runPromise(auditLedger()))
const { report } = after.result
const seconds = after.seconds
await runtime.dispose()
await db.close()
if (JSON.stringify(before.result.report.problems) !== JSON.stringify(report.problems))
  out("the reference replay and the audit disagree")

const events = rawRows[0]!.events
const rate = events / seconds
const ratio = rawSeconds / seconds
out(
  `raw SQL aggregate: ${rawSeconds.toFixed(2)} s for ${events.toLocaleString("en")} events (${Math.round(events / rawSeconds).toLocaleString("en")} events/s)`
)
const perEvent = (cpuMicros: number) => `${(cpuMicros / events).toFixed(1)} µs of Node CPU per event (all threads)`
out(
  `reference replay:  ${before.seconds.toFixed(2)} s = ${Math.round(events / before.seconds).toLocaleString("en")} events/s, ${perEvent(before.cpuMicros)} (keyset rows through postgres.js, one thread, same checks)`
)
out(
  `audit replay:      ${seconds.toFixed(2)} s = ${Math.round(rate).toLocaleString("en")} events/s, ${perEvent(after.cpuMicros)}, verdict ${report.ok ? "OK" : `FAILED (${report.problems.length} problems)`}`
)
out(`audit / reference: ${(before.seconds / seconds).toFixed(2)}x faster`)
await appendResult(
  "bench:audit",
  `${events.toLocaleString("en")} events (load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores): replay ${seconds.toFixed(2)} s = ${Math.round(rate).toLocaleString("en")} events/s (${perEvent(after.cpuMicros)}), reference replay ${before.seconds.toFixed(2)} s = ${Math.round(events / before.seconds).toLocaleString("en")} events/s, raw aggregate ${rawSeconds.toFixed(2)} s, ratio ${ratio.toFixed(3)}${report.ok ? "" : " (AUDIT FAILED)"}`
)
out(`audit events/s = ${Math.round(rate)}`)
out(`audit ratio = ${ratio.toFixed(3)}`)
process.exit(report.ok ? 0 : 1)
