import { rm } from "node:fs/promises"
import { createServer } from "node:net"
import { dirname } from "node:path"
import type { TestProject } from "vitest/node"
import { makeReachableTempDir, startEmbeddedPostgres } from "../../infra/embeddedPostgres.ts"
import { compileForTests } from "./compileForTests.ts"

declare module "vitest" {
  export interface ProvidedContext {
    /** A server where each test file may create its own database. */
    adminDatabaseUrl: string
    /** The application compiled to JavaScript once for the run (see compiled.ts). */
    compiledRoot: string
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

/** DATABASE_URL when set; otherwise one embedded PostgreSQL for the whole run. */
export default async function setup(project: TestProject) {
  const compiling = compileForTests()
  const configured = process.env["DATABASE_URL"]
  if (configured) {
    const compiled = await compiling
    project.provide("adminDatabaseUrl", configured)
    project.provide("compiledRoot", compiled.dir)
    return compiled.remove
  }
  const dataDir = await makeReachableTempDir("minispod-test-pg")
  const [db, compiled] = await Promise.all([startEmbeddedPostgres({ dataDir, port: await freePort() }), compiling])
  project.provide("adminDatabaseUrl", db.url)
  project.provide("compiledRoot", compiled.dir)
  return async () => {
    await db.stop()
    await rm(dirname(dataDir), { recursive: true, force: true })
    await compiled.remove()
  }
}
