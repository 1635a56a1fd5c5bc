import { Effect, Layer } from "effect"
import { EmailAlreadyRegistered, type User, Users } from "../../application/ports/users.ts"

/** In-memory Users for application tests: same rules as Postgres (unique email and phone). */
export const UsersMemory = Layer.sync(Users, () => {
  const users = new Map<string, User>()
  const taken = (field: "email" | "phone", value: string | null, except?: string) =>
    value !== null && [...users.values()].some((u) => u[field] === value && u.id !== except)
  return Users.of({
    create: (user) =>
      Effect.suspend(() => {
        if (taken("email", user.email)) return Effect.fail(new EmailAlreadyRegistered({ field: "email" }))
        if (taken("phone", user.phone)) return Effect.fail(new EmailAlreadyRegistered({ field: "phone" }))
        users.set(user.id, user)
        return Effect.void
      }),
    findById: (id) => Effect.sync(() => users.get(id)),
    findByEmail: (email) => Effect.sync(() => [...users.values()].find((u) => u.email === email)),
    updateProfile: (id, changes, now) =>
      Effect.suspend(() => {
        const user = users.get(id)
        if (user === undefined) return Effect.succeed(undefined)
        if (changes.phone !== undefined && taken("phone", changes.phone, id))
          return Effect.fail(new EmailAlreadyRegistered({ field: "phone" }))
        const updated: User = {
          ...user,
          ...(changes.name === undefined ? {} : { name: changes.name }),
          ...(changes.phone === undefined ? {} : { phone: changes.phone }),
          ...(changes.avatar === undefined ? {} : { avatar: changes.avatar }),
          ...(changes.locale === undefined ? {} : { locale: changes.locale }),
          updatedAt: now.toISOString()
        }
        users.set(id, updated)
        return Effect.succeed(updated)
      }),
    setPasswordHash: (id, passwordHash, now) =>
      Effect.sync(
        () => void (users.has(id) && users.set(id, { ...users.get(id)!, passwordHash, updatedAt: now.toISOString() }))
      ),
    setRole: (id, role, now) =>
      Effect.sync(
        () => void (users.has(id) && users.set(id, { ...users.get(id)!, role, updatedAt: now.toISOString() }))
      ),
    setActive: (id, isActive, now) =>
      Effect.sync(
        () => void (users.has(id) && users.set(id, { ...users.get(id)!, isActive, updatedAt: now.toISOString() }))
      ),
    search: (f) =>
      Effect.sync(() => {
        const all = [...users.values()].filter(
          (u) =>
            (f.q === undefined ||
              [u.name, u.email, u.phone ?? ""].some((v) => v.toLowerCase().includes(f.q!.toLowerCase()))) &&
            (f.role === undefined || u.role === f.role) &&
            (f.isActive === undefined || u.isActive === f.isActive)
        )
        return { items: all.slice((f.page - 1) * f.limit, f.page * f.limit), total: all.length }
      }),
    stats: (now) =>
      Effect.sync(() => {
        const all = [...users.values()]
        return {
          total: all.length,
          active: all.filter((u) => u.isActive).length,
          administrators: all.filter((u) => u.role === "ADMINISTRATOR").length,
          registeredLast30Days: all.filter((u) => Date.parse(u.createdAt) > now.getTime() - 30 * 86_400_000).length
        }
      })
  })
})
