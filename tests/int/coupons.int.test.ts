import { Effect, Either, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { redeemCreditCoupon } from "../../application/coupon/useCases.ts"
import { Coupons } from "../../application/ports/coupons.ts"
import { WalletQueries } from "../../application/ports/walletQueries.ts"
import { postgresLayer } from "../../infra/layers.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { system } from "../support/ledgerMother.ts"

let db: TestDatabase
let runtime: ManagedRuntime.ManagedRuntime<any, never>

beforeAll(async () => {
  db = await createTestDatabase()
  runtime = ManagedRuntime.make(postgresLayer(db.url, 24))
})
afterAll(async () => {
  await runtime.dispose()
  await db.drop()
})

describe("coupons on Postgres", () => {
  it("20 parallel redemptions of a coupon with 5 uses left: exactly 5", async () => {
    await runtime.runPromise(
      Effect.flatMap(Coupons, (c) =>
        c.create("admin", "66666666-0000-4000-8000-000000000001", {
          code: "LAUNCH5",
          name: "Launch",
          type: "CREDIT_TOPUP",
          value: 25_000,
          maxUses: 5,
          maxUsesPerUser: 1
        })
      )
    )
    const users = Array.from({ length: 20 }, (_, i) => `77777777-0000-4000-8000-${String(i).padStart(12, "0")}`)
    const results = await Promise.all(
      users.map((u) => runtime.runPromise(Effect.either(redeemCreditCoupon(u, "launch5", system))))
    )
    expect(results.filter(Either.isRight)).toHaveLength(5)
    expect(results.filter(Either.isLeft).map((r) => (r.left as { reason: string }).reason)).toEqual(
      Array(15).fill("USED_UP")
    )
    const balances = await Promise.all(
      users.map((u) => runtime.runPromise(Effect.flatMap(WalletQueries, (q) => q.summary(u))))
    )
    expect(balances.filter((b) => b.balance === 25_000)).toHaveLength(5)
    const coupon = await runtime.runPromise(Effect.flatMap(Coupons, (c) => c.byCode("LAUNCH5")))
    expect(coupon!.usedCount).toBe(5)
  })

  it("one user redeeming twice at once gets one credit", async () => {
    await runtime.runPromise(
      Effect.flatMap(Coupons, (c) =>
        c.create("admin", "66666666-0000-4000-8000-000000000002", {
          code: "ONCE",
          name: "Once",
          type: "CREDIT_TOPUP",
          value: 10_000,
          maxUses: 100,
          maxUsesPerUser: 1
        })
      )
    )
    const u = "77777777-0000-4000-8000-000000000100"
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => runtime.runPromise(Effect.either(redeemCreditCoupon(u, "ONCE", system))))
    )
    expect(results.filter(Either.isRight)).toHaveLength(1)
    expect((await runtime.runPromise(Effect.flatMap(WalletQueries, (q) => q.summary(u)))).balance).toBe(10_000)
  })
})
