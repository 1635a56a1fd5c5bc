import { Arbitrary, Either, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { fastAccepts, fastDecodeSync } from "../../application/shared/fastDecode.ts"
import { WalletEvent } from "../../domain/ledger/index.ts"
import { PaymentEvent } from "../../domain/payment/index.ts"
import { QuotaEvent } from "../../domain/quota/index.ts"
import { SubscriptionEvent } from "../../domain/subscription/index.ts"

const numRuns = Number(process.env["PROPERTY_RUNS"] ?? 1000)

/** A valid value bent out of shape: a member dropped, retyped, set to null or an awkward value, or a member added. */
const bent = (valid: fc.Arbitrary<unknown>) =>
  fc
    .tuple(
      valid,
      fc.nat(),
      fc.constantFrom("drop", "null", "string", "number", "negative", "float", "empty", "add", "array"),
      fc.nat()
    )
    .map(([value, pick, how, depth]) => {
      const copy = structuredClone(value) as Record<string, unknown>
      let target = copy
      const objects = Object.values(copy).filter(
        (v): v is Record<string, unknown> => typeof v === "object" && v !== null
      )
      if (depth % 3 === 0 && objects.length > 0) target = objects[depth % objects.length]!
      const keys = Object.keys(target)
      const key = keys[pick % Math.max(1, keys.length)] ?? "x"
      switch (how) {
        case "drop":
          delete target[key]
          break
        case "null":
          target[key] = null
          break
        case "string":
          target[key] = String(target[key])
          break
        case "number":
          target[key] = 1
          break
        case "negative":
          target[key] = -5
          break
        case "float":
          target[key] = 1.5
          break
        case "empty":
          target[key] = ""
          break
        case "add":
          target["unexpected"] = { nested: true }
          break
        case "array":
          return [copy]
      }
      return copy
    })

/** `actual` carries every member `expected` has, recursively, with the same value (undeclared members may remain). */
const expectDeclared = (actual: unknown, expected: unknown): void => {
  if (typeof expected !== "object" || expected === null) return void expect(actual).toBe(expected)
  expect(typeof actual).toBe("object")
  for (const [key, value] of Object.entries(expected)) expectDeclared((actual as Record<string, unknown>)[key], value)
}

/** effect's Arbitrary is built on its own copy of fast-check; the two copies' arbitraries work together. */
const arbitrary = (schema: Schema.Schema<unknown, unknown>) =>
  Arbitrary.make(schema) as unknown as fc.Arbitrary<unknown>

const schemas = { WalletEvent, PaymentEvent, QuotaEvent, SubscriptionEvent } as const

describe("fastDecodeSync", () => {
  for (const [name, schema] of Object.entries(schemas)) {
    const decode = Schema.decodeUnknownEither(schema as Schema.Schema<unknown, unknown>)
    const fast = fastDecodeSync(schema as Schema.Schema<unknown, unknown>)
    const valid = arbitrary(schema as Schema.Schema<unknown, unknown>)

    it(`${name}: accepts only what Schema's decode accepts, and gives every member Schema gives`, () => {
      fc.assert(
        fc.property(fc.oneof(valid, bent(valid), fc.anything()), (input) => {
          const verdict = fastAccepts(schema, input)
          const expected = decode(input)
          if (verdict === true) expect(Either.isRight(expected)).toBe(true)
          if (Either.isRight(expected)) {
            expectDeclared(fast(input), expected.right)
          } else {
            expect(() => fast(input)).toThrow()
          }
        }),
        { numRuns }
      )
    })
  }

  it("covers every wallet and payment event without falling back to Schema (the audit's bulk)", () => {
    for (const schema of [WalletEvent, PaymentEvent] as const) {
      fc.assert(
        fc.property(arbitrary(schema as Schema.Schema<unknown, unknown>), (input) => {
          expect(fastAccepts(schema, input)).toBe(true)
        }),
        { numRuns: Math.ceil(numRuns / 4) }
      )
    }
  })
})
