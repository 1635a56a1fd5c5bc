import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { adminToken, api, customer, type StartedServer, startServer } from "../support/server.ts"

/**
 * Hostile input over every route of the OpenAPI document: each request carries at least one value
 * that is invalid by construction (NUL, a lone surrogate, nesting past the limit, a wrong JSON
 * type) among random noise (control characters, huge numbers, long strings, extra fields). The
 * answer is always a 4xx in the error envelope, never a 5xx, and nothing is written.
 */
let db: TestDatabase
let server: StartedServer
let http: ReturnType<typeof api>
let admin: string
let operations: Array<Operation>

interface Operation {
  readonly method: string
  readonly path: string
  readonly pathParams: Array<string>
  readonly queryParams: Array<string>
  readonly bodyFields: Array<string>
  readonly hasBody: boolean
}

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false })
  server = await startServer({ DATABASE_URL: db.url, JWT_SECRET: "fuzz-e2e-secret-fuzz-e2e-secret-fuzz" })
  http = api(server.baseUrl)
  admin = await adminToken(http)
  await customer(http, admin, "fuzz-bystander", 50_000) // some data for the routes to (not) touch
  const doc = (await http.get("/openapi.json")).body as {
    paths: Record<string, Record<string, any>>
    components?: { schemas?: Record<string, any> }
  }
  const resolve = (schema: any): any =>
    typeof schema?.$ref === "string" ? resolve(doc.components?.schemas?.[schema.$ref.split("/").pop()]) : schema
  // The API's routes (the probes, /metrics and /openapi.json take no input to refuse).
  operations = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith("/api/"))
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        pathParams: (op.parameters ?? []).filter((p: any) => p.in === "path").map((p: any) => p.name),
        queryParams: (op.parameters ?? []).filter((p: any) => p.in === "query").map((p: any) => p.name),
        bodyFields: Object.keys(resolve(op.requestBody?.content?.["application/json"]?.schema)?.properties ?? {}),
        hasBody: op.requestBody !== undefined
      }))
    )
})
afterAll(async () => {
  await server.stop()
  await db.drop()
})

/** JSON text nested `depth` levels (built as text: JSON.stringify itself would overflow). */
const nestedJson = (depth: number) => {
  const levels = Array.from({ length: depth }, (_, i) => i % 2 === 0)
  return `${levels.map((o) => (o ? '{"a":' : "[")).join("")}"x"${levels
    .reverse()
    .map((o) => (o ? "}" : "]"))
    .join("")}`
}
const deepMarker = "__deep_poison__"

/** Percent-encodes, writing a lone surrogate as the invalid UTF-8 bytes a hostile client would send. */
const encodeHostile = (text: string) =>
  text
    .split(/([\uD800-\uDFFF])/)
    .map((part) => (/^[\uD800-\uDFFF]$/.test(part) ? "%ED%A0%80" : encodeURIComponent(part)))
    .join("")

/** Values that no field of the API accepts. */
const poisonString = fc.oneof(
  fc.string({ maxLength: 20 }).map((s) => `${s}\u0000${s}`),
  fc.string({ maxLength: 20 }).map((s) => `${s}\uD800`),
  fc.string({ maxLength: 20 }).map((s) => `\uDC00${s}`)
)
// Deep nesting is built at request time (fast-check would overflow printing it in a report).
type Poison = { readonly text: string } | { readonly depth: number } | { readonly wrongType: unknown }
const poisonValue: fc.Arbitrary<Poison> = fc.oneof(
  poisonString.map((text) => ({ text })),
  fc.integer({ min: 33, max: 20_000 }).map((depth) => ({ depth })),
  fc.constantFrom<unknown>({ nested: { object: true } }, [[1, 2], ["x"]]).map((wrongType) => ({ wrongType }))
)
/** Noise: valid-looking or merely odd values around the poison. */
const noise = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }).filter((s) => !s.includes("\u0000")),
  fc.string({
    unit: fc.constantFrom("\u0001", "\u001b", "\u007f", "\u200b", "%", "_", "\\", "'", '"', "a"),
    maxLength: 30
  }),
  fc.constantFrom(1e308, -1e308, 9007199254740993, -1, 0, 0.5, 2 ** 63),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 5000 })
)

const unwrap = (p: Poison): unknown => ("text" in p ? p.text : "depth" in p ? deepMarker : p.wrongType)

const request = fc.record({
  operation: fc.nat(),
  target: fc.nat(),
  poison: poisonValue,
  noise: fc.array(noise, { minLength: 6, maxLength: 6 }),
  extra: fc.dictionary(fc.string({ maxLength: 8 }), noise, { maxKeys: 3 })
})

const counts = async () => {
  const [row] = await db.sql<Array<Record<string, number>>>`
    select (select count(*) from events)::int as events, (select count(*) from users)::int as users,
      (select count(*) from refresh_tokens)::int as refresh_tokens, (select count(*) from idempotency_keys)::int as idempotency_keys,
      (select count(*) from auth_throttle)::int as throttle, (select count(*) from admin_audit_log)::int as admin_audit,
      (select max(updated_at) from users) as users_updated`
  return row!
}

describe("fuzzing every route with hostile input", () => {
  it("always answers 4xx in the error envelope, never 5xx, and writes nothing", async () => {
    expect(operations.length).toBeGreaterThan(40)
    // The document must really describe the bodies, or the poison would never reach them.
    expect(operations.filter((op) => op.bodyFields.length > 0).length).toBeGreaterThan(20)
    const before = await counts()
    const seen = new Set<string>()
    await fc.assert(
      fc.asyncProperty(request, async ({ operation, target, poison, noise, extra }) => {
        const op = operations[operation % operations.length]!
        seen.add(`${op.method} ${op.path}`)
        // Where the poison goes: a path parameter, a query parameter or a body field (always one of them).
        const slots = [
          ...op.pathParams.map((p) => ({ where: "path", name: p })),
          ...op.queryParams.map((p) => ({ where: "query", name: p })),
          ...op.bodyFields.map((p) => ({ where: "body", name: p })),
          ...(op.hasBody ? [] : [{ where: "query", name: "fuzz" }])
        ]
        const slot = slots[target % slots.length]!
        // Path and query values are strings: only string poison fits there.
        const poisonText = "text" in poison ? poison.text : "\u0000"
        const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
          encodeHostile(slot.where === "path" && slot.name === name ? poisonText : String(noise[0]).slice(0, 60) || "x")
        )
        const query = new Map<string, string>()
        op.queryParams.forEach((name, i) => query.set(name, String(noise[(i + 1) % noise.length]).slice(0, 200)))
        if (slot.where === "query") query.set(slot.name, poisonText)
        const queryText = [...query].map(([k, v]) => `${encodeURIComponent(k)}=${encodeHostile(v)}`).join("&")
        const body: Record<string, unknown> = { ...extra }
        op.bodyFields.forEach((name, i) => (body[name] = noise[(i + 2) % noise.length]))
        if (slot.where === "body") body[slot.name] = unwrap(poison)
        const url = `${path}${queryText.length > 0 ? `?${queryText}` : ""}`
        const text = JSON.stringify(body).replace(`"${deepMarker}"`, "depth" in poison ? nestedJson(poison.depth) : "")
        const response = op.method === "GET" ? await http.get(url, admin) : await http.raw(op.method, url, text, admin)
        const verdict = `${op.method} ${url.slice(0, 200)} → ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`
        expect(response.status, verdict).toBeGreaterThanOrEqual(400)
        expect(response.status, verdict).toBeLessThan(500)
        expect(response.body, verdict).toMatchObject({
          success: false,
          message: expect.any(String),
          error: { code: expect.any(String) }
        })
      }),
      { numRuns: 400 }
    )
    expect(await counts()).toEqual(before)
    expect(seen.size).toBeGreaterThan(operations.length * 0.8)
  })
})
