import { Effect, Layer } from "effect"
import { EmailAlreadyRegistered, type User, Users } from "../../application/ports/users.ts"
import { isUniqueViolation, Pg } from "./client.ts"
import { containsPattern } from "./like.ts"

interface UserRow {
  id: string
  name: string
  email: string
  phone: string | null
  avatar: string | null
  role: User["role"]
  is_active: boolean
  locale: User["locale"]
  password_hash: string
  created_at: Date
  updated_at: Date
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  name: r.name,
  email: r.email,
  phone: r.phone,
  avatar: r.avatar,
  role: r.role,
  isActive: r.is_active,
  locale: r.locale,
  passwordHash: r.password_hash,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString()
})

const uniqueField = (error: { constraint_name?: string }) =>
  error.constraint_name?.includes("phone") ? "phone" : "email"

/** Wraps a write so that a unique violation becomes the typed error naming the field. */
const guardUnique = <A>(run: () => Promise<A>) =>
  Effect.tryPromise({ try: run, catch: (error) => error }).pipe(
    Effect.catchAll((error) =>
      isUniqueViolation(error)
        ? Effect.fail(new EmailAlreadyRegistered({ field: uniqueField(error) }))
        : Effect.die(error)
    )
  )

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const UsersPostgres = Layer.effect(
  Users,
  Effect.map(Pg, (sql) => {
    const byId = async (id: string) => {
      if (!uuidShape.test(id)) return undefined // not an id we could have issued
      const [row] = await sql<Array<UserRow>>`select * from users where id = ${id}`
      return row && toUser(row)
    }
    return Users.of({
      search: (f) =>
        Effect.promise(async () => {
          const where = sql`true
            ${f.q === undefined ? sql`` : sql`and (name ilike ${containsPattern(f.q)} or email ilike ${containsPattern(f.q)} or phone ilike ${containsPattern(f.q)})`}
            ${f.role === undefined ? sql`` : sql`and role = ${f.role}`}
            ${f.isActive === undefined ? sql`` : sql`and is_active = ${f.isActive}`}`
          const [rows, [count]] = await Promise.all([
            sql<
              Array<UserRow>
            >`select * from users where ${where} order by created_at desc limit ${f.limit} offset ${(f.page - 1) * f.limit}`,
            sql<Array<{ n: number }>>`select count(*)::int as n from users where ${where}`
          ])
          return { items: rows.map(toUser), total: count?.n ?? 0 }
        }),
      stats: (now) =>
        Effect.promise(async () => {
          const [row] = await sql<Array<{ total: number; active: number; admins: number; recent: number }>>`
            select count(*)::int as total, count(*) filter (where is_active)::int as active,
              count(*) filter (where role = 'ADMINISTRATOR')::int as admins,
              count(*) filter (where created_at > ${new Date(now.getTime() - 30 * 86_400_000)})::int as recent
            from users`
          return {
            total: row!.total,
            active: row!.active,
            administrators: row!.admins,
            registeredLast30Days: row!.recent
          }
        }),
      setActive: (id, active, now) =>
        Effect.promise(() => sql`update users set is_active = ${active}, updated_at = ${now} where id = ${id}`).pipe(
          Effect.asVoid
        ),
      create: (user) =>
        guardUnique(
          () =>
            sql`insert into users (id, name, email, phone, avatar, role, is_active, locale, password_hash, created_at, updated_at)
            values (${user.id}, ${user.name}, ${user.email}, ${user.phone}, ${user.avatar}, ${user.role},
              ${user.isActive}, ${user.locale}, ${user.passwordHash}, ${new Date(user.createdAt)}, ${new Date(user.updatedAt)})`
        ).pipe(Effect.asVoid),
      findById: (id) => Effect.promise(() => byId(id)),
      findByEmail: (email) =>
        Effect.promise(async () => {
          const [row] = await sql<Array<UserRow>>`select * from users where email = ${email}`
          return row && toUser(row)
        }),
      updateProfile: (id, changes, now) =>
        guardUnique(async () => {
          if (!uuidShape.test(id)) return undefined
          const [row] = await sql<Array<UserRow>>`
            update users set
              name = ${changes.name === undefined ? sql`name` : changes.name},
              phone = ${changes.phone === undefined ? sql`phone` : changes.phone},
              avatar = ${changes.avatar === undefined ? sql`avatar` : changes.avatar},
              locale = ${changes.locale === undefined ? sql`locale` : changes.locale},
              updated_at = ${now}
            where id = ${id} returning *`
          return row && toUser(row)
        }),
      setPasswordHash: (id, passwordHash, now) =>
        Effect.promise(
          () => sql`update users set password_hash = ${passwordHash}, updated_at = ${now} where id = ${id}`
        ).pipe(Effect.asVoid),
      setRole: (id, role, now) =>
        Effect.promise(() => sql`update users set role = ${role}, updated_at = ${now} where id = ${id}`).pipe(
          Effect.asVoid
        )
    })
  })
)
