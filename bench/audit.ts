import { ManagedRuntime } from "effect"
import { auditLedger } from "../application/audit/ledgerAudit.ts"
import { connect } from "../adapters/postgres/client.ts"
import { ledgerLayer } from "../infra/layers.ts"
import { buildAuditLog } from "./auditLog.ts"
import { benchDatabase } from "./harness.ts"
import { appendResult } from "./results.ts"

/**
 * `npm run bench:audit`: the audit's replay (cursor read, decode, hash-chain verify, evolve,
 * compare with the read models) against a raw SQL aggregate of the same events, same run.
 * AUDIT_EVENTS sets the ledger's size (default 1,000,000).
 */
const target = Number(process.env["AUDIT_EVENTS"] ?? 1_000_000)
const db = await benchDatabase()
const out = (line: string) => process.stdout.write(`${line}\n`)
out(`audit bench — ${db.description}, ~${target.toLocaleString("en")} events, node ${process.version}`)

const buildStarted = performance.now()
let shown = 0
const built = await buildAuditLog(db.url, target, (written) => {
  if (written - shown >= 100_000) {
    shown = written
    process.stderr.write(`  written ${written.toLocaleString("en")} events\n`)
  }
})
out(`log: ${built.events.toLocaleString("en")} events, ${built.users.toLocaleString("en")} wallets, written in ${((performance.now() - buildStarted) / 1000).toFixed(1)} s`)

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

const runtime = ManagedRuntime.make(ledgerLayer(db.url, 4))
const started = performance.now()
const { report } = await runtime.runPromise(auditLedger())
const seconds = (performance.now() - started) / 1000
await runtime.dispose()
await db.close()

const events = rawRows[0]!.events
const rate = events / seconds
const ratio = rawSeconds / seconds
out(`raw SQL aggregate: ${rawSeconds.toFixed(2)} s for ${events.toLocaleString("en")} events (${Math.round(events / rawSeconds).toLocaleString("en")} events/s)`)
out(`audit replay:      ${seconds.toFixed(2)} s, verdict ${report.ok ? "OK" : `FAILED (${report.problems.length} problems)`}`)
await appendResult(
  "bench:audit",
  `${events.toLocaleString("en")} events: replay ${seconds.toFixed(2)} s = ${Math.round(rate).toLocaleString("en")} events/s, raw aggregate ${rawSeconds.toFixed(2)} s, ratio ${ratio.toFixed(3)}${report.ok ? "" : " (AUDIT FAILED)"}`
)
out(`audit events/s = ${Math.round(rate)}`)
out(`audit ratio = ${ratio.toFixed(3)}`)
process.exit(report.ok ? 0 : 1)
