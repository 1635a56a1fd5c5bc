/**
 * npm run bench:http — what users wait for: authenticated GET /api/catalog/services and
 * GET /api/wallet/info, and POST /api/auth/login, at 1, 16 and 64 connections through a started
 * server on loopback, each run bounded (BENCH_SECONDS, default 5). The load comes from `wrk` (C,
 * one thread: it takes far less of the two cores than a Node client would, so the server gets
 * them); baseline in the same run: bare node:http + postgres.js doing one select
 * (bench/bareHttp.ts). Last line: wallet/info throughput over the baseline's at 16 connections.
 */
import { execFile } from "node:child_process"
import { writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { benchDatabase } from "./harness.ts"
import { appendResult } from "./results.ts"
import { startBenchServer, startProcess } from "./server.ts"

const run = promisify(execFile)
const seconds = Number(process.env["BENCH_SECONDS"] ?? 5)
const connections = [1, 16, 64]
const admin = { email: "admin@minispod.local", password: "minispod-admin" }

try {
  await run("wrk", ["--version"]).catch((e: { stdout?: string }) => {
    if (!e.stdout?.includes("wrk")) throw e
  })
} catch {
  process.stderr.write("bench:http needs wrk (apt-get install -y wrk)\n")
  process.exit(2)
}

interface WrkStats {
  readonly rps: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly requests: number
  readonly errors: number
}

const ms = (value: string, unit: string) =>
  Number(value) * (unit === "us" ? 0.001 : unit === "s" ? 1000 : unit === "m" ? 60_000 : 1)

/** One bounded wrk run; `script` (Lua) for a request other than a plain GET. */
const wrk = async (url: string, c: number, headers: Record<string, string>, script?: string): Promise<WrkStats> => {
  const args = [
    "-t1",
    `-c${c}`,
    `-d${seconds}s`,
    "--timeout",
    "10s",
    "--latency",
    ...Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]),
    ...(script ? ["-s", script] : []),
    url
  ]
  const { stdout } = await run("wrk", args)
  const latency = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(stdout)
    return m ? ms(m[1]!, m[2]!) : Number.NaN
  }
  const errors =
    Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0) +
    [...stdout.matchAll(/(connect|read|write|timeout) (\d+)/g)].reduce((n, m) => n + Number(m[2]), 0)
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? Number.NaN),
    p50Ms: latency("50"),
    p99Ms: latency("99"),
    requests: Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0),
    errors
  }
}

const db = await benchDatabase()
const server = await startBenchServer({
  DATABASE_URL: db.url,
  JWT_SECRET: "bench-http-secret-bench-http-secret-000000",
  CHECK_RESPONSES: "false"
})
const login = await fetch(`${server.url}/api/auth/login`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(admin)
})
const session = (await login.json()) as { data: { accessToken: string; user: { id: string } } }
const auth = { authorization: `Bearer ${session.data.accessToken}` }

const bare = await startProcess(
  "bench/bareHttp.ts",
  { DATABASE_URL: db.url, BENCH_USER_ID: session.data.user.id },
  /listening (\S+)/
)
const bareUrl = bare.url

const loginScript = join(tmpdir(), `minispod-bench-login-${process.pid}.lua`)
await writeFile(
  loginScript,
  `wrk.method = "POST"\nwrk.body = '${JSON.stringify(admin)}'\nwrk.headers["Content-Type"] = "application/json"\n`
)

const targets: Array<{ name: string; run: (c: number) => Promise<WrkStats> }> = [
  { name: "baseline (bare node:http, 1 select)", run: (c) => wrk(`${bareUrl}/`, c, {}) },
  { name: "GET /api/catalog/services", run: (c) => wrk(`${server.url}/api/catalog/services`, c, auth) },
  { name: "GET /api/wallet/info", run: (c) => wrk(`${server.url}/api/wallet/info`, c, auth) },
  { name: "POST /api/auth/login", run: (c) => wrk(`${server.url}/api/auth/login`, c, {}, loginScript) }
]

process.stdout.write(`http bench — ${db.description}, wrk 1 thread, ${seconds} s per run, node ${process.version}\n`)
process.stdout.write(
  `${"target".padEnd(38)}${"conns".padStart(6)}${"req/s".padStart(10)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"non-2xx/err".padStart(12)}\n`
)
await wrk(`${server.url}/api/wallet/info`, 16, auth) // warm-up (JIT, pools)
const results = new Map<string, WrkStats>()
for (const c of connections) {
  for (const target of targets) {
    const s = await target.run(c)
    results.set(`${target.name}@${c}`, s)
    process.stdout.write(
      `${target.name.padEnd(38)}${String(c).padStart(6)}${s.rps.toFixed(0).padStart(10)}${s.p50Ms.toFixed(2).padStart(9)}${s.p99Ms.toFixed(2).padStart(9)}${String(s.errors).padStart(12)}\n`
    )
  }
}
await bare.stop()
await server.stop()
await db.close()

const get = (name: string, c: number) => results.get(`${name}@${c}`)!
const ratio = get("GET /api/wallet/info", 16).rps / get("baseline (bare node:http, 1 select)", 16).rps
const goal = (name: string) => `${name.split(" ")[1]} p99@64 ${get(name, 64).p99Ms.toFixed(1)} ms`
process.stdout.write(
  `goal p99 < 10 ms at 64 connections: ${goal("GET /api/catalog/services")}, ${goal("GET /api/wallet/info")}\n`
)
await appendResult(
  "bench:http",
  targets
    .map(
      (t) =>
        `${t.name.split(" (")[0]} ${connections.map((c) => `@${c} ${get(t.name, c).rps.toFixed(0)}/s p50 ${get(t.name, c).p50Ms.toFixed(1)} p99 ${get(t.name, c).p99Ms.toFixed(1)} ms`).join(", ")}`
    )
    .join("; ") + `; wallet/info ratio@16 ${ratio.toFixed(3)}`
)
process.stdout.write(`http ratio@16 = ${ratio.toFixed(3)}\n`)
