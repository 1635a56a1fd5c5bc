import { ManagedRuntime } from "effect"
import postgres from "postgres"
import { auditLedger } from "../../application/audit/ledgerAudit.ts"
import { postgresLayer } from "../../infra/layers.ts"
import { dropDatabase, withDatabase } from "./database.ts"

export interface DatabaseAudit {
  readonly database: string
  readonly events: number
  readonly problems: ReadonlyArray<string>
}

/** `npm run audit`'s replay over one database; an unmigrated one (no event log) has nothing to audit. */
const auditOne = async (adminUrl: string, database: string): Promise<DatabaseAudit> => {
  const url = withDatabase(adminUrl, database)
  const probe = postgres(url, { max: 1, onnotice: () => {} })
  const [row] = await probe<Array<{ migrated: boolean }>>`select to_regclass('public.events') is not null as migrated`
  await probe.end()
  if (!row!.migrated) return { database, events: 0, problems: [] }
  const runtime = ManagedRuntime.make(postgresLayer(url, 2))
  try {
    const { report } = await runtime.runPromise(auditLedger())
    const problems = report.problems.map(
      (p) => `position=${p.position ?? "-"} stream=${p.streamId ?? "-"}: ${p.problem}`
    )
    return {
      database,
      events: report.eventsChecked,
      problems: report.ok ? [] : problems.length > 0 ? problems : ["audit not ok"]
    }
  } finally {
    await runtime.dispose()
  }
}

/**
 * The ledger audit once after the whole suite, over every database the run's files left for it
 * (four at a time: the run is over, the cores are free); clean ones are dropped, failing ones kept for a look. Returns what failed.
 */
export const auditAndDrop = async (
  adminUrl: string,
  databases: ReadonlyArray<string>
): Promise<{ audited: number; events: number; failed: Array<DatabaseAudit> }> => {
  const queue = [...databases]
  const failed: Array<DatabaseAudit> = []
  let events = 0
  const worker = async () => {
    for (let database = queue.shift(); database !== undefined; database = queue.shift()) {
      const audit = await auditOne(adminUrl, database).catch((error: unknown) => ({
        database,
        events: 0,
        problems: [`audit could not run: ${String(error)}`]
      }))
      events += audit.events
      if (audit.problems.length > 0) failed.push(audit)
      else await dropDatabase(adminUrl, database)
    }
  }
  await Promise.all([worker(), worker(), worker(), worker()])
  return { audited: databases.length, events, failed }
}
