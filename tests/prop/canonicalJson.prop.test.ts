import { createHash } from "node:crypto"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { canonicalEncode, hashEvent, hashInput } from "../../application/shared/eventHash.ts"

const numRuns = Number(process.env["PROPERTY_RUNS"] ?? 1000)

/** The specification written as plainly as possible (docs/ledger-hash-spec.md), as the oracle. */
const reference = (value: unknown): string => {
  if (value === null) return "null"
  if (typeof value === "bigint") return JSON.stringify(value.toString())
  if (typeof value !== "object") return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(reference).join(",")}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(",")}}`
}

// Strings with quotes, backslashes, controls, non-ASCII, astral characters and lone surrogates.
const awkward = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary" }),
  fc.constantFrom('"', "\\", "\u0000\u001f", "\ud800", "é€😀", "\u2028")
)
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    awkward,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.bigInt(),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(awkward, fc.option(tie("value"), { nil: undefined }), { maxKeys: 5 })
  )
})).value

describe("canonical JSON", () => {
  it("the fast encoder writes exactly the reference encoding", () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(canonicalEncode(value)).toBe(reference(value))
      }),
      { numRuns }
    )
  })

  it("an event's hash is SHA-256 over the canonical JSON of its eight fields", () => {
    const event = fc.record({
      streamId: awkward,
      version: fc.integer({ min: 1 }),
      eventId: fc.uuid(),
      type: awkward,
      data: json,
      metadata: fc.dictionary(awkward, awkward),
      recordedAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      prevHash: fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 })
    })
    fc.assert(
      fc.property(event, (e) => {
        const input = reference({ ...e })
        expect(hashInput(e)).toBe(input)
        expect(hashEvent(e)).toBe(createHash("sha256").update(input, "utf8").digest("hex"))
      }),
      { numRuns }
    )
  })
})
