import { Clock, Effect } from "effect"
import type { Locale } from "../../domain/notification/index.ts"
import { PasswordHasher, RefreshTokens } from "../ports/auth.ts"
import { IdGenerator } from "../ports/ids.ts"
import { type ProfileChanges, type Role, Users, type UserSearch } from "../ports/users.ts"
import { WalletQueries } from "../ports/walletQueries.ts"
import { Forbidden, UserNotFound } from "../shared/errors.ts"
import { checkNewPassword, normalizeEmail } from "./credentials.ts"
import { publicUser } from "./useCases.ts"

const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

const existing = Effect.fn("AdminUsers.existing")(function* (id: string) {
  const user = yield* (yield* Users).findById(id)
  if (user === undefined) return yield* new UserNotFound({ userId: id })
  return user
})

export const searchUsers = Effect.fn("AdminUsers.search")(function* (filter: UserSearch) {
  const page = yield* (yield* Users).search(filter)
  return { items: page.items.map(publicUser), total: page.total }
})

/** A user with their wallet, as an administrator sees them. */
export const userDetail = Effect.fn("AdminUsers.detail")(function* (id: string) {
  const user = yield* existing(id)
  return { ...publicUser(user), wallet: yield* (yield* WalletQueries).summary(id) }
})

export const createUser = Effect.fn("AdminUsers.create")(function* (input: {
  readonly name: string
  readonly email: string
  readonly password: string
  readonly phone?: string | undefined
  readonly locale?: Locale | undefined
  readonly role: Role
}) {
  yield* checkNewPassword("password", input.password, input.email)
  const at = yield* now
  const user = {
    id: yield* (yield* IdGenerator).uuid,
    name: input.name.trim(),
    email: normalizeEmail(input.email),
    phone: input.phone ?? null,
    avatar: null,
    role: input.role,
    isActive: true,
    locale: input.locale ?? "id",
    passwordHash: yield* (yield* PasswordHasher).hash(input.password),
    createdAt: at.toISOString(),
    updatedAt: at.toISOString()
  }
  yield* (yield* Users).create(user)
  return publicUser(user)
})

export const updateUser = Effect.fn("AdminUsers.update")(function* (id: string, changes: ProfileChanges) {
  yield* existing(id)
  return publicUser((yield* (yield* Users).updateProfile(id, changes, yield* now))!)
})

/** Deactivation ends every session at once; an administrator cannot lock themselves out. */
export const setUserActive = Effect.fn("AdminUsers.setActive")(function* (
  adminId: string,
  id: string,
  active: boolean
) {
  yield* existing(id)
  if (!active && id === adminId) return yield* new Forbidden()
  const at = yield* now
  yield* (yield* Users).setActive(id, active, at)
  if (!active) yield* (yield* RefreshTokens).revokeAllOfUser(id, at)
  return publicUser(yield* existing(id))
})

export const setUserRole = Effect.fn("AdminUsers.setRole")(function* (adminId: string, id: string, role: Role) {
  yield* existing(id)
  if (id === adminId && role !== "ADMINISTRATOR") return yield* new Forbidden()
  yield* (yield* Users).setRole(id, role, yield* now)
  return publicUser(yield* existing(id))
})

export const userStats = Effect.fn("AdminUsers.stats")(function* () {
  return yield* (yield* Users).stats(yield* now)
})
