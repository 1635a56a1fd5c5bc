import { rm } from "node:fs/promises"
import { createServer } from "node:net"
import { dirname } from "node:path"
import type { TestProject } from "vitest/node"
import { makeReachableTempDir, startEmbeddedPostgres } from "../../infra/embeddedPostgres.ts"

declare module "vitest" {
  export interface ProvidedContext {
    /** A server where each test file may create its own database. */
    adminDatabaseUrl: string
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
  const configured = process.env["DATABASE_URL"]
  if (configured) {
    project.provide("adminDatabaseUrl", configured)
    return
  }
  const dataDir = await makeReachableTempDir("minispod-test-pg")
  const db = await startEmbeddedPostgres({ dataDir, port: await freePort() })
  project.provide("adminDatabaseUrl", db.url)
  return async () => {
    await db.stop()
    await rm(dirname(dataDir), { recursive: true, force: true })
  }
}
