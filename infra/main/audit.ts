import { writeFile } from "node:fs/promises"
import { parseArgs } from "node:util"
import { Layer, ManagedRuntime } from "effect"
import { type AuditReport, auditLedger } from "../../application/audit/ledgerAudit.ts"
import { loadConfig } from "../config.ts"
import { openDatabase } from "../database.ts"
import { postgresLayer } from "../layers.ts"
import { effectLogging, makeLog, stderr } from "../logging.ts"

/**
 * `npm run audit [-- --accounts] [-- --out report.json]`: replays the whole log against the read
 * models from one snapshot. Prints the summary (verdict, first problems with their events); every
 * account's balance only with --accounts, or as JSON in --out. Exit 0 clean, 1 problems, 2 could not run.
 */
const usage = "usage: npm run audit -- [--accounts] [--out report.json]"
const n = (x: number) => x.toLocaleString("en")

const summaryLines = (report: AuditReport, database: string): Array<string> => {
  const lines = [`MinisPod ledger audit — ${database}`]
  const at = report.consistentUpTo
  if (at)
    lines.push(`consistent up to position ${n(at.position)}: ${n(at.events)} committed events, snapshot ${at.snapshot}`)
  lines.push(
    `events checked: ${report.eventsChecked}${report.seconds === undefined ? "" : ` in ${report.seconds.toFixed(2)} s (${n(report.eventsPerSecond ?? 0)} events/s)`}`
  )
  const kinds = Object.entries(report.streamsByKind)
    .sort(([, a], [, b]) => b - a)
    .map(([k, c]) => `${k} ${c}`)
    .join(", ")
  lines.push(`streams: ${report.streamsChecked}${kinds ? ` (${kinds})` : ""}`)
  lines.push(
    `checked: ${Object.entries(report.checked)
      .map(([k, c]) => `${k}: ${c}`)
      .join(", ")}`
  )
  lines.push("accounts by kind (replayed):")
  for (const [kind, { accounts, total }] of Object.entries(report.accountsByKind)) {
    lines.push(
      `  ${kind.padEnd(24)} ${`${n(accounts)} account${accounts === 1 ? "" : "s"}`.padStart(16)}   total ${n(total).padStart(20)}`
    )
  }
  lines.push(`  ${"sum over all accounts".padEnd(24)} ${"".padStart(16)}   total ${n(report.accountSum).padStart(20)}`)
  lines.push(verdictLine(report))
  const [first, ...rest] = report.problems
  if (first) {
    lines.push(
      `first bad event: position=${first.position ?? "-"} stream=${first.streamId ?? "-"} version=${first.version ?? "-"} event=${first.eventId ?? "-"}: ${first.problem}`
    )
    for (const p of rest)
      lines.push(
        `  - position=${p.position ?? "-"} stream=${p.streamId ?? "-"} version=${p.version ?? "-"}: ${p.problem}`
      )
    if (report.problemCount > report.problems.length)
      lines.push(
        `  … and ${n(report.problemCount - report.problems.length)} more (--out report.json has the first ${report.problems.length})`
      )
  }
  return lines
}

const verdictLine = (report: AuditReport) =>
  report.ok
    ? "AUDIT OK: every hash chain verifies, every balance and payment equals its replay, accounts sum to 0"
    : `AUDIT FAILED: ${n(report.problemCount)} problem(s)`

let options: { accounts?: boolean | undefined; out?: string | undefined }
try {
  options = parseArgs({ options: { accounts: { type: "boolean" }, out: { type: "string" } } }).values
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${usage}\n`)
  process.exit(2)
}

let exitCode = 2
try {
  const config = await loadConfig()
  const database = await openDatabase(config)
  const runtime = ManagedRuntime.make(
    Layer.merge(postgresLayer(database.url, 4), effectLogging(makeLog("warning", stderr()), "warning"))
  )
  try {
    const { report, accounts } = await runtime.runPromise(auditLedger())
    const out = summaryLines(report, database.description)
    if (options.accounts) {
      out.push("accounts (replayed):")
      for (const [account, balance] of Object.entries(accounts)) out.push(`  ${account.padEnd(48)} ${balance}`)
      out.push(verdictLine(report))
    }
    if (options.out !== undefined) {
      await writeFile(options.out, `${JSON.stringify({ report, accounts }, null, 2)}\n`)
      out.push(`report written to ${options.out}`)
    }
    process.stdout.write(`${out.join("\n")}\n`)
    exitCode = report.ok ? 0 : 1
  } finally {
    await runtime.dispose()
    await database.stop()
  }
} catch (error) {
  process.stderr.write(`audit could not run: ${error instanceof Error ? error.message : String(error)}\n`)
  exitCode = 2
}
process.exit(exitCode)
