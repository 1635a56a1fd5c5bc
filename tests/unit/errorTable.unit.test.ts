import { Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { errorEntryOf, errorTable, type MappedError } from "../../adapters/http/errors.ts"
import { ok, route } from "../../adapters/http/route.ts"
import type { subscribe } from "../../application/subscription/useCases.ts"
import { InsufficientCredit } from "../../domain/ledger/index.ts"

/** A use case's error that nobody gave a row in the table. */
class NotInTheTable extends Schema.TaggedError<NotInTheTable>()("NotInTheTable", {}) {}

const spec = { method: "get", path: "/api/test", summary: "test", tag: "test", access: "public" } as const
const shortOfCredit = new InsufficientCredit({ required: 2, available: 1, shortfall: 1 })

/** Compiles only when every error of the effect has a row in the table. */
const allMapped = <E extends MappedError>(_effect: Effect.Effect<unknown, E, any>) => true

describe("the error table (the compiler holds routes to it; `tsc` checks this file)", () => {
  it("a route failing with a mapped error compiles; one failing with an unmapped tag does not", () => {
    const mapped = route({ ...spec, handle: () => Effect.as(Effect.fail(shortOfCredit), ok("never", null)) })
    const unmapped = route({
      ...spec,
      // @ts-expect-error NotInTheTable has no row in errorTable: the route does not compile.
      handle: () => Effect.as(Effect.fail(new NotInTheTable()), ok("never", null))
    })
    expect([mapped.path, unmapped.path]).toEqual(["/api/test", "/api/test"])
  })

  it("a use case's closed error union is covered, and a union with a new tag is not", () => {
    type SubscribeFailure = Effect.Effect.Error<ReturnType<typeof subscribe>>
    expect(allMapped(Effect.fail(shortOfCredit) as Effect.Effect<never, SubscribeFailure>)).toBe(true)
    // @ts-expect-error the union grew a tag without a row.
    expect(allMapped(Effect.fail(new NotInTheTable()) as Effect.Effect<never, SubscribeFailure | NotInTheTable>)).toBe(
      true
    )
  })

  it("at run time an unmapped tag has no row (a 500), whatever it is called", () => {
    expect(errorEntryOf("InsufficientCredit")).toEqual(errorTable.InsufficientCredit)
    expect(errorEntryOf("NotInTheTable")).toBeUndefined()
    expect(errorEntryOf("constructor")).toBeUndefined()
  })
})
