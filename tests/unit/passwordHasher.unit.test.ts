import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { costOf, hashPassword, makePasswordHasher } from "../../adapters/crypto/passwordHasher.ts"

describe("password hashing", () => {
  it("checks unknown accounts against a dummy of exactly the real cost (no enumeration by timing)", async () => {
    const { service, dummyHash } = await Effect.runPromise(makePasswordHasher({ concurrency: 1, waiting: 4 }))
    expect(costOf(dummyHash)).toBe(costOf(await hashPassword("anything at all")))
    expect(await Effect.runPromise(service.verifyNone("anything at all"))).toBe(false)
    const real = await Effect.runPromise(service.hash("a real password"))
    expect(await Effect.runPromise(service.verify("a real password", real))).toBe(true)
    expect(await Effect.runPromise(service.verify("another password", real))).toBe(false)
  })

  it("runs at most `concurrency` computations with a bounded wait; beyond it the caller is told to retry", async () => {
    const { service } = await Effect.runPromise(makePasswordHasher({ concurrency: 1, waiting: 2 }))
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => Effect.runPromise(Effect.either(service.hash(`password ${i}`))))
    )
    expect(outcomes.filter(Either.isRight)).toHaveLength(3)
    expect(outcomes.filter(Either.isLeft).map((e) => Either.isLeft(e) && e.left._tag)).toEqual([
      "PasswordWorkBusy",
      "PasswordWorkBusy",
      "PasswordWorkBusy"
    ])
    // Once the queue drains, work is admitted again.
    expect(Either.isRight(await Effect.runPromise(Effect.either(service.hash("later"))))).toBe(true)
  })
})
