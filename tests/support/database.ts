import { randomBytes } from "node:crypto"
import { writeFile } from "node:fs/promises"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import postgres from "postgres"
import { expect, inject } from "vitest"
import { connect, type Sql } from "../../adapters/postgres/client.ts"
import { migrate } from "../../adapters/postgres/migrator.ts"

export const migrationsDir = fileURLToPath(new URL("../../migrations", import.meta.url))

export interface TestDatabase {
  readonly url: string
  readonly sql: Sql
  readonly drop: () => Promise<void>
}

export const withDatabase = (url: string, database: string) => {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

/** Drops a test database (its last connections too). */
export const dropDatabase = async (adminUrl: string, name: string) => {
  const dropper = postgres(adminUrl, { max: 1, onnotice: () => {} })
  await dropper.unsafe(`drop database if exists ${name} with (force)`)
  await dropper.end()
}

/**
 * A fresh, migrated database of its own for one test file, so files run in parallel. Its `drop`
 * closes the file's connections but leaves the database to the run's ledger audit (the global
 * setup's teardown audits every database the run created, then drops it) — unless the file
 * damages the ledger on purpose (`audited: false`: tamper and drift tests), then it goes at once.
 */
export const createTestDatabase = async (
  options: { readonly migrate?: boolean; readonly audited?: boolean } = {}
): Promise<TestDatabase> => {
  const adminUrl = inject("adminDatabaseUrl")
  const name = `minispod_test_${randomBytes(6).toString("hex")}`
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${name}`)
  await admin.end()
  const audited = options.audited !== false
  if (audited) await writeFile(join(inject("auditedDatabasesDir"), name), expect.getState().testPath ?? "") // named in a failure
  const url = withDatabase(adminUrl, name)
  const sql = connect(url, { max: 20 })
  if (options.migrate !== false) await migrate(sql, migrationsDir)
  return {
    url,
    sql,
    drop: async () => {
      await sql.end({ timeout: 5 })
      if (!audited) await dropDatabase(adminUrl, name)
    }
  }
}
