import { fileURLToPath } from "node:url"
import { connect } from "../../adapters/postgres/client.ts"
import { migrate } from "../../adapters/postgres/migrator.ts"
import { loadConfig } from "../config.ts"
import { openDatabase } from "../database.ts"

const config = await loadConfig()
const database = await openDatabase(config)
const sql = connect(database.url, { max: 1 })
let exitCode = 0
try {
  const result = await migrate(sql, fileURLToPath(new URL("../../migrations", import.meta.url)))
  process.stdout.write(`database: ${database.description}\n`)
  process.stdout.write(
    `applied: ${result.applied.length === 0 ? "none" : result.applied.join(", ")}; already applied: ${result.alreadyApplied}\n`
  )
} catch (error) {
  process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`)
  exitCode = 1
} finally {
  await sql.end()
  await database.stop()
}
process.exit(exitCode)
