import { execFile } from "node:child_process"
import { mkdir, mkdtemp, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { Exit } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { makeHttpApp } from "../../adapters/http/app.ts"
import { openApiDocument } from "../../adapters/http/openapi.ts"
import type { Route } from "../../adapters/http/route.ts"
import { routes } from "../../infra/routes.ts"

const run = promisify(execFile)
const bin = (name: string) => join("node_modules", ".bin", name)
const methods = ["get", "post", "put", "delete", "patch"] as const

type Operation = {
  operationId?: string
  responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }>
}
const doc = openApiDocument(routes as ReadonlyArray<Route<unknown>>)
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  methods.flatMap((m) =>
    (item as Record<string, Operation>)[m] ? [{ path, method: m, op: (item as Record<string, Operation>)[m]! }] : []
  )
)

let file: string
beforeAll(async () => {
  file = join(await mkdtemp(join(tmpdir(), "minispod-openapi-")), "openapi.json")
  await writeFile(file, JSON.stringify(doc, null, 2))
})

describe("/openapi.json", () => {
  it("documents every route the API serves, derived from the route definitions", () => {
    const { served } = makeHttpApp({
      routes,
      run: async () => Exit.die("unused"),
      logger: { info: () => {}, warn: () => {}, error: () => {} },
      bodyLimitBytes: 1000,
      trustProxy: false,
      ready: async () => true
    })
    const documented = new Set(operations.map((o) => `${o.method} ${o.path}`))
    const undocumented = served()
      .map((s) => `${s.method} ${s.path.replace(/:(\w+)/g, "{$1}")}`)
      .filter((s) => !documented.has(s))
    expect(undocumented).toEqual([])
    for (const probe of ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/ws/logs"])
      expect(doc.paths).toHaveProperty([probe])
  })

  it("types every operation's success response (route({ response: Schema }) or rawResponse)", () => {
    const untyped = routes
      .filter((r) => r.response === undefined && r.rawResponse === undefined)
      .map((r) => `${r.method} ${r.path}`)
    expect(untyped, "add `response: <Schema>` (adapters/http/responses.ts) to these route() definitions").toEqual([])
  })

  it("gives each operation a unique operationId and puts named schemas under components/schemas", () => {
    const ids = operations.map((o) => o.op.operationId)
    expect(ids.every((id) => typeof id === "string" && id.length > 0)).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(["ErrorEnvelope", "Session", "WalletInfo", "Plan", "Pagination"])
    )
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? []
    expect(refs.filter((r) => !r.startsWith('"$ref":"#/components/'))).toEqual([])
    const info = doc.paths["/api/wallet/info"]!.get as Operation
    expect(info.responses["200"]!.content!["application/json"]!.schema.properties!["data"]).toEqual({
      $ref: "#/components/schemas/WalletInfo"
    })
  })

  it("passes @redocly/cli lint with zero errors", async () => {
    const { stdout } = await run(bin("redocly"), ["lint", file, "--format=json"], {
      maxBuffer: 32 * 1024 * 1024
    }).catch((e: { stdout: string }) => e)
    const report = JSON.parse(stdout.slice(stdout.indexOf("{"))) as {
      totals: { errors: number }
      problems: Array<{ ruleId: string; severity: string; message: string }>
    }
    expect(report.problems.filter((p) => p.severity === "error")).toEqual([])
    expect(report.totals.errors).toBe(0)
  })

  it("generates a typed client (openapi-typescript) that a usage file type-checks against", async () => {
    await mkdir("tests/client/generated", { recursive: true })
    await run(bin("openapi-typescript"), [file, "-o", "tests/client/generated/api.ts"])
    const check = await run(bin("tsc"), ["-p", "tests/client/tsconfig.json", "--noEmit"]).then(
      () => "",
      (e: { stdout: string }) => e.stdout
    )
    expect(check).toBe("")
  })
})
