import { execFile } from "node:child_process"
import { existsSync } from "node:fs"
import { chmod, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises"
import { once } from "node:events"
import { connect, createServer } from "node:net"
import { tmpdir, userInfo } from "node:os"
import { dirname, join, resolve } from "node:path"
import { promisify } from "node:util"
import { afterAll, describe, expect, it } from "vitest"
import { makeReachableTempDir, pidAlive } from "../../infra/embeddedPostgres.ts"
import { compiledScript } from "../support/compiled.ts"
import { api, fromSources, newUser, startServer } from "../support/server.ts"

const exec = promisify(execFile)
const root = resolve(import.meta.dirname, "../..")

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })

const postmasterPid = async (dataDir: string) =>
  Number((await readFile(join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0])

let dataDir: string

afterAll(async () => {
  if (dataDir) await rm(dirname(dataDir), { recursive: true, force: true })
})

describe("zero-setup start on the embedded PostgreSQL", () => {
  it("starts with no DATABASE_URL, survives a kill -9, shares the database with npm run audit, stops it on SIGTERM", async () => {
    dataDir = await makeReachableTempDir("minispod-e2e")
    // No JWT_SECRET: the generated one is kept beside the data, so sessions survive the restart below.
    const env = { EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) }

    const first = await startServer(env)
    expect(first.output()).toMatch(/database: embedded PostgreSQL in /)
    expect(first.output()).toMatch(/admin: admin@minispod\.local/)
    const user = newUser("embedded")
    expect(first.output()).toMatch(/jwt: generated and kept in .*\.jwt-secret \(mode 600/)
    const registered = await api(first.baseUrl).post("/api/auth/register", user)
    expect(registered.status).toBe(201)
    expect((await stat(`${dataDir}.jwt-secret`)).mode & 0o777).toBe(0o600)
    const pgPid = await postmasterPid(dataDir)

    // A crash: Node dies, PostgreSQL is left running with its postmaster.pid.
    await first.stop("SIGKILL")
    expect(pidAlive(pgPid)).toBe(true)

    const second = await startServer(env)
    expect(second.output()).toMatch(/adopted an embedded PostgreSQL left running/)
    const login = await api(second.baseUrl).post("/api/auth/login", { email: user.email, password: user.password })
    expect(login.status).toBe(200) // the data survived
    expect(second.output()).toMatch(/jwt: kept in .*\.jwt-secret/)
    expect((await api(second.baseUrl).get("/api/auth/profile", registered.body.data.accessToken)).status).toBe(200) // and the session

    // The audit CLI finds the running server's database and leaves it running.
    const { DATABASE_URL: _, ...withoutUrl } = process.env
    const audit = await exec(process.execPath, [compiledScript("audit")], { env: { ...withoutUrl, ...env } })
    expect(audit.stdout).toMatch(/sharing it|AUDIT OK/)
    expect(audit.stdout).toMatch(/AUDIT OK/)
    expect((await api(second.baseUrl).get("/readyz")).status).toBe(200)

    // SIGTERM while a request is in flight: its headers are sent, its body is not yet. The
    // server must stop accepting but finish this request, then stop the database.
    const { hostname, port } = new URL(second.baseUrl)
    const body = JSON.stringify({ email: user.email, password: user.password })
    const socket = connect({ host: hostname, port: Number(port) })
    await once(socket, "connect")
    socket.write(
      `POST /api/auth/login HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`
    )
    await new Promise((resolve) => setTimeout(resolve, 200))
    const exitCode = second.stop("SIGTERM")
    await new Promise((resolve) => setTimeout(resolve, 200))
    let response = ""
    socket.on("data", (chunk: Buffer) => (response += chunk.toString()))
    socket.write(body)
    await once(socket, "close") // the server closes it after answering (Connection: close)
    expect(response).toMatch(/^HTTP\/1\.1 200/)
    expect(await exitCode).toBe(0)
    expect(existsSync(join(dataDir, "postmaster.pid"))).toBe(false)
    expect(pidAlive(pgPid)).toBe(false)
  })

  // As root the database runs as the `postgres` user, which cannot pass a mode-700 folder: neither
  // to the data folder nor to the binaries in node_modules (initdb failed with EACCES).
  it.skipIf(userInfo().uid !== 0)(
    "starts as root from a checkout under a mode-700 folder",
    async () => {
      const home = await mkdtemp(join(tmpdir(), "minispod-home-"))
      const leftovers = [home]
      try {
        await chmod(home, 0o700)
        const checkout = join(home, "minispod")
        await mkdir(checkout)
        // The checkout with its installed packages, hard-linked (a clone and `npm ci` take minutes).
        for (const entry of [
          "package.json",
          "tsconfig.json",
          "domain",
          "application",
          "adapters",
          "infra",
          "migrations",
          "node_modules"
        ]) {
          await exec("cp", ["-al", join(root, entry), join(checkout, entry)])
        }
        const server = await startServer(
          { EMBEDDED_PG_PORT: String(await freePort()) },
          { command: fromSources, cwd: checkout }
        )
        const fallback = /using (\S+)\/postgres\b/.exec(server.output())?.[1]
        if (fallback) leftovers.push(fallback)
        try {
          expect(server.output()).toMatch(
            /binaries in \S+ are not reachable by the postgres user .*; running them from /
          )
          expect(server.output()).toMatch(/\.data\/postgres is not reachable by the postgres user .*; using /)
          expect((await api(server.baseUrl).post("/api/auth/register", newUser("mode700"))).status).toBe(201)
        } finally {
          expect(await server.stop("SIGTERM")).toBe(0)
        }
      } finally {
        for (const dir of leftovers) await rm(dir, { recursive: true, force: true })
      }
    },
    180_000
  ) // a copy of the checkout, tsx's first compile of it, initdb

  it("refuses a bad configuration value at start, naming the variable", async () => {
    const result = await exec(process.execPath, [compiledScript("server")], {
      env: { ...process.env, PORT: "not-a-port", JWT_SECRET: "short" }
    }).then(
      () => expect.unreachable("must fail"),
      (error: { code: number; stderr: string }) => error
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/PORT/)
    expect(result.stderr).toMatch(/JWT_SECRET: must be at least 32 characters/)
    expect(result.stderr).not.toMatch(/short/)
  })

  it("refuses bad cluster settings at start, naming each variable", async () => {
    const result = await exec(process.execPath, [compiledScript("server")], {
      env: {
        ...process.env,
        CLUSTER_MODE: "kubernetes",
        KUBECONFIG: "/nonexistent/kubeconfig",
        KUBERNETES_SERVICE_HOST: "",
        CLUSTER_NAMESPACE_PREFIX: "Bad_Prefix",
        CLUSTER_BASE_DOMAIN: "not a domain",
        CLUSTER_INGRESS_CLASS: "Nginx!"
      }
    }).then(
      () => expect.unreachable("must fail"),
      (error: { code: number; stderr: string }) => error
    )
    expect(result.code).toBe(2)
    for (const variable of ["CLUSTER_NAMESPACE_PREFIX", "CLUSTER_BASE_DOMAIN", "CLUSTER_INGRESS_CLASS"])
      expect(result.stderr).toMatch(new RegExp(`${variable}: must`))
    const mode = await exec(process.execPath, [compiledScript("server")], {
      env: {
        ...process.env,
        CLUSTER_MODE: "kubernetes",
        KUBECONFIG: "/nonexistent/kubeconfig",
        KUBERNETES_SERVICE_HOST: ""
      }
    }).then(
      () => expect.unreachable("must fail"),
      (error: { code: number; stderr: string }) => error
    )
    expect(mode.stderr).toMatch(/KUBECONFIG: no such file/)
  })
})
