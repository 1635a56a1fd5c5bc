import { execFile } from "node:child_process"
import { createServer } from "node:net"
import { cp, mkdir, mkdtemp, rm, symlink } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join, relative, resolve } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeReachableTempDir } from "../../infra/embeddedPostgres.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { productionPackagePaths } from "../support/packages.ts"
import { api, newUser, startServer } from "../support/server.ts"

const exec = promisify(execFile)
const root = resolve(import.meta.dirname, "../..")
const temporary: Array<string> = []

let db: TestDatabase
beforeAll(async () => {
  db = await createTestDatabase({ migrate: false })
})
afterAll(async () => {
  await db.drop()
  for (const dir of temporary) await rm(dir, { recursive: true, force: true })
})

const freePort = () =>
  new Promise<number>((done) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number }
      s.close(() => done(port))
    })
  })

/**
 * The image's /app: package.json, the compiled dist/, and a node_modules holding the production
 * dependency tree only (links into this checkout's node_modules), so an import of a development
 * dependency from the compiled code fails here as it would in the image.
 */
const imageLikeFolder = async () => {
  const app = await mkdtemp(join(tmpdir(), "minispod-image-"))
  temporary.push(app)
  await cp(join(root, "package.json"), join(app, "package.json"))
  await cp(join(root, "dist"), join(app, "dist"), { recursive: true })
  for (const path of await productionPackagePaths(root)) {
    const target = join(app, relative(root, path))
    await mkdir(dirname(target), { recursive: true })
    await symlink(path, target, "dir").catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error // a nested package, already inside its linked parent
    })
  }
  return app
}

const baseEnv = {
  PATH: process.env["PATH"],
  HOME: process.env["HOME"],
  JWT_SECRET: "compiled-secret-compiled-secret-000"
}

describe("production build", () => {
  it("`npm run build` compiles JavaScript that migrates and serves with production dependencies only, and on the embedded database", async () => {
    // The build script as is; only the type check is skipped (CI's `npm run typecheck` does it).
    await exec("npm", ["run", "build", "--silent", "--", "--noCheck"], { cwd: root })
    const app = await imageLikeFolder()
    const node = (script: string, env: Record<string, string | undefined>, cwd: string) =>
      exec(process.execPath, [`dist/infra/main/${script}.js`], {
        cwd,
        env: { ...baseEnv, ...env } as NodeJS.ProcessEnv
      })

    const migrated = await node("migrate", { DATABASE_URL: db.url }, app)
    expect(migrated.stdout).toMatch(/applied: 001_/)

    const server = await startServer(
      { DATABASE_URL: db.url, ...baseEnv },
      { command: [process.execPath, "dist/infra/main/server.js"], cwd: app }
    )
    const http = api(server.baseUrl)
    expect((await http.get("/healthz")).status).toBe(200)
    expect((await http.get("/readyz")).status).toBe(200)
    expect((await http.post("/api/auth/register", newUser("compiled"))).status).toBe(201)
    expect((await http.get("/docs/swagger-ui.css")).status).toBe(200) // assets found from the compiled code
    expect(await server.stop("SIGTERM")).toBe(0)

    // Without DATABASE_URL the image has no embedded PostgreSQL to fall back on, and says so.
    const refused = await node("migrate", {}, app).then(
      () => expect.unreachable("must fail without DATABASE_URL"),
      (error: { code: number; stderr: string }) => error
    )
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/DATABASE_URL is not set and the embedded PostgreSQL .* is not installed here/)

    // In a checkout (development dependencies installed) the compiled code loads the embedded one.
    const dataDir = await makeReachableTempDir("minispod-compiled-pg")
    temporary.push(dirname(dataDir))
    const embedded = await node(
      "migrate",
      { EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) },
      root
    )
    expect(embedded.stdout).toMatch(/database: embedded PostgreSQL in /)
    expect(embedded.stdout).toMatch(/applied: 001_/)
  }, 180_000) // a whole compilation on a shared machine
})
