import { randomBytes } from "node:crypto"
import { rm } from "node:fs/promises"
import { createServer } from "node:net"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"
import postgres from "postgres"
import { connect } from "../adapters/postgres/client.ts"
import { migrate } from "../adapters/postgres/migrator.ts"
import { makeReachableTempDir, startEmbeddedPostgres } from "../infra/embeddedPostgres.ts"

export interface RunStats {
  readonly ops: number
  readonly seconds: number
  readonly opsPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly failures: number
}

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

/** Runs `op` from `concurrency` workers for `seconds`; latencies per op. Never used by tests. */
export const measure = async (
  concurrency: number,
  seconds: number,
  op: (worker: number, i: number) => Promise<unknown>
): Promise<RunStats> => {
  const latencies: Array<number> = []
  let failures = 0
  const started = performance.now()
  const deadline = started + seconds * 1000
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t0 = performance.now()
        try {
          await op(worker, i)
          latencies.push(performance.now() - t0)
        } catch {
          failures++
        }
      }
    })
  )
  const elapsed = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  return {
    ops: latencies.length,
    seconds: elapsed,
    opsPerSecond: latencies.length / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    failures
  }
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })

/** A fresh, migrated database: on DATABASE_URL's server when set, else a throwaway embedded one. */
export const benchDatabase = async () => {
  const configured = process.env["DATABASE_URL"]
  let adminUrl = configured
  let stopEmbedded = async () => {}
  let description = "DATABASE_URL server"
  if (!adminUrl) {
    const dataDir = await makeReachableTempDir("minispod-bench")
    const db = await startEmbeddedPostgres({ dataDir, port: await freePort() })
    adminUrl = db.url
    description = "throwaway embedded PostgreSQL (durable commits)"
    stopEmbedded = async () => {
      await db.stop()
      await rm(dirname(dataDir), { recursive: true, force: true })
    }
  }
  const name = `minispod_bench_${randomBytes(4).toString("hex")}`
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const sql = connect(url.toString(), { max: 2 })
  await migrate(sql, fileURLToPath(new URL("../migrations", import.meta.url)))
  await sql.end()
  return {
    url: url.toString(),
    description,
    close: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`)
      await admin.end()
      await stopEmbedded()
    }
  }
}

export const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(8)

/** The foundation's raw baseline: insert the transfer event + guarded balance update, one transaction. */
export const rawLedgerBaseline = async (url: string, walletCount: number) => {
  const sql = connect(url, { max: 2 })
  await sql.unsafe(`
    create table if not exists bench_events (position bigserial primary key, stream_id text not null, data jsonb not null, recorded_at timestamptz not null);
    create table if not exists bench_balances (wallet text primary key, balance bigint not null check (balance >= 0));`)
  const wallets = Array.from({ length: walletCount }, (_, i) => `raw-${i}`)
  await sql`insert into bench_balances ${sql(wallets.map((wallet) => ({ wallet, balance: 1_000_000_000 })))} on conflict do nothing`
  await sql.end()
  return async (concurrency: number, seconds: number, hot = false): Promise<RunStats> => {
    const pool = connect(url, { max: concurrency })
    const stats = await measure(concurrency, seconds, async () => {
      const wallet = hot ? wallets[0]! : wallets[Math.floor(Math.random() * walletCount)]!
      await pool.begin(async (tx) => {
        await tx`insert into bench_events (stream_id, data, recorded_at)
          values (${`wallet-${wallet}`}, ${tx.json({ amount: 1, cause: randomBytes(8).toString("hex") })}, now())`
        const updated =
          await tx`update bench_balances set balance = balance - 1 where wallet = ${wallet} and balance >= 1`
        if (updated.count !== 1) throw new Error("insufficient")
      })
    })
    await pool.end()
    return stats
  }
}

export const statsLine = (label: string, a: RunStats, b: RunStats) =>
  `${label.padEnd(10)}${fmt(a.opsPerSecond)}${fmt(a.p50Ms, 2)}${fmt(a.p99Ms, 2)}   |${fmt(b.opsPerSecond)}${fmt(b.p50Ms, 2)}${fmt(b.p99Ms, 2)}   |${fmt(b.opsPerSecond / a.opsPerSecond, 3)}`

export const statsHeader = (b: string) =>
  `${"clients".padEnd(10)}${"raw op/s".padStart(8)}${"p50 ms".padStart(8)}${"p99 ms".padStart(8)}   |${`${b} op/s`.padStart(8)}${"p50 ms".padStart(8)}${"p99 ms".padStart(8)}   |${`${b}/raw`.padStart(8)}`

/**
 * With BENCH_PROFILE=<dir>, records a V8 CPU profile of `run` only (not the seeding around it)
 * into <dir>/<name>.cpuprofile; `npx tsx bench/profileSummary.ts <file> <ops>` summarises it.
 */
export const profiled = async <A>(name: string, run: () => Promise<A>): Promise<A> => {
  const dir = process.env["BENCH_PROFILE"]
  if (!dir) return run()
  const { Session } = await import("node:inspector/promises")
  const { mkdir, writeFile } = await import("node:fs/promises")
  const session = new Session()
  session.connect()
  await session.post("Profiler.enable")
  await session.post("Profiler.setSamplingInterval", { interval: 200 })
  await session.post("Profiler.start")
  try {
    return await run()
  } finally {
    const { profile } = await session.post("Profiler.stop")
    await mkdir(dir, { recursive: true })
    await writeFile(`${dir}/${name}.cpuprofile`, JSON.stringify(profile))
    session.disconnect()
  }
}
