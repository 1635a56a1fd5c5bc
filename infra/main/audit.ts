import { Layer, ManagedRuntime } from "effect"
import { auditLedger } from "../../application/audit/ledgerAudit.ts"
import { loadConfig } from "../config.ts"
import { openDatabase } from "../database.ts"
import { ledgerLayer } from "../layers.ts"
import { effectLogging, makeLog, stderr } from "../logging.ts"

/** Replays the whole log against the read models; exits 1 naming the first bad event. */
const config = await loadConfig()
const database = await openDatabase(config)
const runtime = ManagedRuntime.make(Layer.merge(ledgerLayer(database.url, 4), effectLogging(makeLog("warning", stderr()), "warning")))
let exitCode = 0
try {
  const report = await runtime.runPromise(auditLedger())
  const out = process.stdout
  out.write(`MinisPod ledger audit — ${database.description}\n`)
  out.write(`events checked: ${report.eventsChecked}, streams: ${report.streamsChecked}, wallets: ${report.walletsChecked}, payments: ${report.paymentsChecked}\n`)
  out.write("account balances (replayed):\n")
  for (const [account, balance] of Object.entries(report.accounts)) out.write(`  ${account.padEnd(48)} ${balance}\n`)
  out.write(`sum over all accounts: ${report.accountSum}\n`)
  if (report.ok) {
    out.write("AUDIT OK: every hash chain verifies, every balance and payment equals its replay, accounts sum to 0\n")
  } else {
    exitCode = 1
    const first = report.problems[0]!
    out.write(`AUDIT FAILED: ${report.problems.length} problem(s)\n`)
    out.write(
      `first bad event: position=${first.position ?? "-"} stream=${first.streamId ?? "-"} version=${first.version ?? "-"} event=${first.eventId ?? "-"}: ${first.problem}\n`
    )
    for (const p of report.problems.slice(1, 20)) {
      out.write(`  - position=${p.position ?? "-"} stream=${p.streamId ?? "-"} version=${p.version ?? "-"}: ${p.problem}\n`)
    }
  }
} catch (error) {
  process.stderr.write(`audit could not run: ${error instanceof Error ? error.message : String(error)}\n`)
  exitCode = 2
} finally {
  await runtime.dispose()
  await database.stop()
}
process.exit(exitCode)
