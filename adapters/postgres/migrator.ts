import { createHash } from "node:crypto"
import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import type { Sql } from "./client.ts"

export class MigrationChanged extends Error {
  constructor(readonly file: string) {
    super(`migration ${file} was changed after it was applied (checksum differs); add a new migration instead`)
  }
}

const lockKey = 7_310_001 // pg_advisory_lock key reserved for migrations

export interface MigrationResult {
  readonly applied: ReadonlyArray<string>
  readonly alreadyApplied: number
}

/** Applies numbered plain-SQL migrations once each, in order, under an advisory lock. */
export const migrate = async (sql: Sql, directory: string): Promise<MigrationResult> => {
  const files = (await readdir(directory)).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).sort()
  const conn = await sql.reserve()
  try {
    await conn`select pg_advisory_lock(${lockKey})`
    await conn.unsafe(`create table if not exists schema_migrations (
      version    integer     primary key,
      name       text        not null,
      checksum   text        not null,
      applied_at timestamptz not null default now()
    )`)
    const rows = await conn<
      Array<{ version: number; checksum: string }>
    >`select version, checksum from schema_migrations`
    const known = new Map(rows.map((r) => [r.version, r.checksum]))
    const applied: Array<string> = []
    for (const file of files) {
      const content = await readFile(join(directory, file), "utf8")
      const checksum = createHash("sha256").update(content).digest("hex")
      const version = Number.parseInt(file, 10)
      const previous = known.get(version)
      if (previous !== undefined) {
        if (previous !== checksum) throw new MigrationChanged(file)
        continue
      }
      await conn.unsafe("begin")
      try {
        await conn.unsafe(content)
        await conn`insert into schema_migrations (version, name, checksum) values (${version}, ${file}, ${checksum})`
        await conn.unsafe("commit")
      } catch (error) {
        await conn.unsafe("rollback")
        throw error
      }
      applied.push(file)
    }
    return { applied, alreadyApplied: files.length - applied.length }
  } finally {
    await conn`select pg_advisory_unlock(${lockKey})`.catch(() => undefined)
    conn.release()
  }
}
