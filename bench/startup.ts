/**
 * npm run bench:startup — time from spawning the server to its first answered /healthz, for the
 * compiled build (as the image runs it) against tsx (as `npm start` runs it), same database, same
 * run, rounds interleaved so machine load hits both alike. Builds dist/ first (type check skipped:
 * the emitted JavaScript is the same).
 */
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { benchDatabase, fmt } from "./harness.ts"
import { median, timeToHealthz } from "./serverStart.ts"

const rounds = Number(process.env["BENCH_ROUNDS"] ?? 7)
const exec = promisify(execFile)

await exec("npm", ["run", "build", "--silent", "--", "--noCheck"])
const db = await benchDatabase()

const variants = {
  tsx: [process.execPath, "--import", "tsx", "infra/main/server.ts"],
  compiled: [process.execPath, "--enable-source-maps", "dist/infra/main/server.js"],
  "compiled (no source maps)": [process.execPath, "dist/infra/main/server.js"]
} as const

const env = { DATABASE_URL: db.url, JWT_SECRET: "bench-secret-bench-secret-bench-secret" }
const startOnce = (command: ReadonlyArray<string>) => timeToHealthz(command, env)

const times = new Map<string, Array<number>>(Object.keys(variants).map((k) => [k, []]))
await startOnce(variants.tsx) // warm-up: migrations applied, file cache filled
for (let round = 0; round < rounds; round++) {
  for (const [name, command] of Object.entries(variants)) times.get(name)!.push(await startOnce(command))
}
await db.close()

process.stdout.write(`start to first /healthz 200, median of ${rounds} (${db.description})\n`)
for (const [name, xs] of times)
  process.stdout.write(
    `${name.padEnd(28)} ${fmt(median(xs), 1)} ms   (min ${fmt(Math.min(...xs), 1)}, max ${fmt(Math.max(...xs), 1)})\n`
  )
process.stdout.write(
  `startup ratio compiled/tsx = ${(median(times.get("compiled")!) / median(times.get("tsx")!)).toFixed(3)}\n`
)
