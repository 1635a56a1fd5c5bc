import { afterAll, beforeAll } from "vitest"
import { createTestDatabase, type TestDatabase } from "./database.ts"
import { adminToken, api, type Api, type StartedServer, startServer } from "./server.ts"

export interface E2eWorld {
  readonly db: TestDatabase
  readonly server: StartedServer
  readonly http: Api
  /** The dev administrator's access token. */
  readonly admin: string
}

/**
 * Object mother of an e2e file's world: a database of its own, the server started on it with
 * `env` (beside DATABASE_URL), its API client and the administrator's token; the server stopped
 * and the database dropped after the file. `use` receives the world once it is up (assign it to
 * the file's variables).
 */
export const serverForFile = (env: Record<string, string>, use: (world: E2eWorld) => void) => {
  let db: TestDatabase | undefined
  let server: StartedServer | undefined
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false })
    server = await startServer({ DATABASE_URL: db.url, ...env })
    const http = api(server.baseUrl)
    use({ db, server, http, admin: await adminToken(http) })
  })
  afterAll(async () => {
    await server?.stop()
    await db?.drop()
  })
}

/** Reads until it returns `wanted` (every 100 ms, at most `timeoutMs`); the last value read. */
export const waitFor = async <A>(read: () => Promise<A>, wanted: A, timeoutMs = 15_000): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  let last = await read()
  while (last !== wanted && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100))
    last = await read()
  }
  return last
}
