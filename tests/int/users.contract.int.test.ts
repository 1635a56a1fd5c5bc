import { Effect, Either, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { UsersMemory } from "../../adapters/memory/users.ts"
import { PgLive } from "../../adapters/postgres/client.ts"
import { UsersPostgres } from "../../adapters/postgres/users.ts"
import { type User, Users } from "../../application/ports/users.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"

const at = new Date("2026-11-21T10:00:00.000Z")
const person = (n: number, overrides: Partial<User> = {}): User => ({
  id: `99999999-0000-4000-8000-${String(n).padStart(12, "0")}`,
  name: `Person ${n}`,
  email: `person${n}@example.com`,
  phone: null,
  avatar: null,
  role: "USER",
  isActive: true,
  locale: "id",
  passwordHash: "scrypt$x",
  createdAt: at.toISOString(),
  updatedAt: at.toISOString(),
  ...overrides
})

/** One contract, every adapter of the Users port. */
const contract = (name: string, make: () => Promise<{ layer: Layer.Layer<Users>; close: () => Promise<void> }>) =>
  describe(`Users contract: ${name}`, () => {
    let runtime: ManagedRuntime.ManagedRuntime<Users, never>
    let close: () => Promise<void>
    beforeAll(async () => {
      const made = await make()
      runtime = ManagedRuntime.make(made.layer)
      close = made.close
    })
    afterAll(async () => {
      await runtime.dispose()
      await close()
    })
    const run = <A, E>(f: (u: Users["Type"]) => Effect.Effect<A, E>) =>
      runtime.runPromise(Effect.either(Effect.flatMap(Users, f)))

    it("creates and finds users; a taken email or phone is a typed error naming the field", async () => {
      expect(Either.isRight(await run((u) => u.create(person(1, { phone: "+6281111111" }))))).toBe(true)
      expect(Either.getOrThrow(await run((u) => u.findByEmail("person1@example.com")))?.id).toBe(person(1).id)
      const sameEmail = await run((u) => u.create(person(2, { email: "person1@example.com" })))
      expect(Either.isLeft(sameEmail) && sameEmail.left).toMatchObject({
        _tag: "EmailAlreadyRegistered",
        field: "email"
      })
      const samePhone = await run((u) => u.create(person(3, { phone: "+6281111111" })))
      expect(Either.isLeft(samePhone) && samePhone.left).toMatchObject({ field: "phone" })
      expect(Either.getOrThrow(await run((u) => u.findById("not-an-id")))).toBeUndefined()
    })

    it("updates profiles, roles and activity; searches and counts", async () => {
      await run((u) => u.create(person(4, { name: "Budi Santoso" })))
      const updated = Either.getOrThrow(
        await run((u) => u.updateProfile(person(4).id, { name: "Budi S.", avatar: "https://x/a.png" }, at))
      )
      expect(updated).toMatchObject({ name: "Budi S.", avatar: "https://x/a.png", phone: null, locale: "id" })
      // The locale is kept as chosen and changed only when asked.
      expect(Either.getOrThrow(await run((u) => u.updateProfile(person(4).id, { locale: "en" }, at)))).toMatchObject({
        name: "Budi S.",
        locale: "en"
      })
      expect(Either.getOrThrow(await run((u) => u.findById(person(4).id)))?.locale).toBe("en")
      await run((u) => u.setRole(person(4).id, "ADMINISTRATOR", at))
      await run((u) => u.setActive(person(1).id, false, at))
      const admins = Either.getOrThrow(await run((u) => u.search({ role: "ADMINISTRATOR", page: 1, limit: 10 })))
      expect(admins.items.map((x) => x.id)).toEqual([person(4).id])
      expect(Either.getOrThrow(await run((u) => u.search({ q: "budi", page: 1, limit: 10 }))).total).toBe(1)
      expect(
        Either.getOrThrow(await run((u) => u.search({ isActive: false, page: 1, limit: 10 }))).items.map((x) => x.id)
      ).toEqual([person(1).id])
      expect(Either.getOrThrow(await run((u) => u.stats(at)))).toMatchObject({ total: 2, active: 1, administrators: 1 })
    })
  })

contract("in-memory", async () => ({ layer: UsersMemory, close: async () => {} }))

let db: TestDatabase
contract("postgres", async () => {
  db = await createTestDatabase()
  return { layer: UsersPostgres.pipe(Layer.provide(PgLive(db.url, { max: 4 }))), close: () => db.drop() }
})
