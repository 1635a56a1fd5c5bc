import { mkdtemp, readdir, readFile, rm } from "node:fs/promises"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import type { TestProject } from "vitest/node"
import { makeReachableTempDir, startEmbeddedPostgres } from "../../infra/embeddedPostgres.ts"
import { compileForTests } from "./compileForTests.ts"
import { auditAndDrop } from "./runAudit.ts"

declare module "vitest" {
  export interface ProvidedContext {
    /** A server where each test file may create its own database. */
    adminDatabaseUrl: string
    /** The application compiled to JavaScript once for the run (see compiled.ts). */
    compiledRoot: string
    /** Where test files name the databases they leave to the run's ledger audit (one empty file each). */
    auditedDatabasesDir: string
  }
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

/**
 * `npm run audit` clean after the whole suite: every database a file left (all but the tamper
 * tests') is replayed once the run is over; a problem fails the run (vitest reports a teardown
 * error but exits 0, hence the exit code).
 */
const auditTheRun = async (adminUrl: string, listDir: string) => {
  const databases = await readdir(listDir)
  const started = performance.now()
  const { audited, events, failed } = await auditAndDrop(adminUrl, databases)
  const took = `${((performance.now() - started) / 1000).toFixed(1)} s`
  if (failed.length === 0) {
    process.stdout.write(`ledger audit after the run: ${audited} databases, ${events} events, AUDIT OK (${took})\n`)
    await rm(listDir, { recursive: true, force: true })
    return
  }
  process.exitCode = 1
  process.stderr.write(
    `ledger audit after the run: AUDIT FAILED in ${failed.length} of ${audited} databases (${took})\n`
  )
  for (const f of failed)
    process.stderr.write(
      `  ${f.database} (${await readFile(join(listDir, f.database), "utf8").catch(() => "?")}):\n${f.problems
        .slice(0, 5)
        .map((p) => `    ${p}`)
        .join("\n")}\n`
    )
  await rm(listDir, { recursive: true, force: true })
}

/** DATABASE_URL when set; otherwise one embedded PostgreSQL for the whole run. */
export default async function setup(project: TestProject) {
  const compiling = compileForTests()
  const listDir = await mkdtemp(join(tmpdir(), "minispod-audited-"))
  project.provide("auditedDatabasesDir", listDir)
  const configured = process.env["DATABASE_URL"]
  if (configured) {
    const compiled = await compiling
    project.provide("adminDatabaseUrl", configured)
    project.provide("compiledRoot", compiled.dir)
    return async () => {
      await auditTheRun(configured, listDir)
      await compiled.remove()
    }
  }
  const dataDir = await makeReachableTempDir("minispod-test-pg")
  const [db, compiled] = await Promise.all([startEmbeddedPostgres({ dataDir, port: await freePort() }), compiling])
  project.provide("adminDatabaseUrl", db.url)
  project.provide("compiledRoot", compiled.dir)
  return async () => {
    try {
      await auditTheRun(db.url, listDir)
    } finally {
      await db.stop()
      await rm(dirname(dataDir), { recursive: true, force: true })
      await compiled.remove()
    }
  }
}
