import { Context, Schema, type Effect } from "effect"
import type { Locale } from "../../domain/notification/index.ts"

export const Role = Schema.Literal("USER", "ADMINISTRATOR")
export type Role = typeof Role.Type

export interface User {
  readonly id: string
  readonly name: string
  readonly email: string
  readonly phone: string | null
  readonly avatar: string | null
  readonly role: Role
  readonly isActive: boolean
  /** Notifications and mails are written in it (id or en; id by default). */
  readonly locale: Locale
  readonly passwordHash: string
  readonly createdAt: string
  readonly updatedAt: string
}

export class EmailAlreadyRegistered extends Schema.TaggedError<EmailAlreadyRegistered>()("EmailAlreadyRegistered", {
  field: Schema.String
}) {}

export interface ProfileChanges {
  readonly name?: string | undefined
  readonly phone?: string | null | undefined
  readonly avatar?: string | null | undefined
  readonly locale?: Locale | undefined
}

export interface UserSearch {
  readonly q?: string | undefined
  readonly role?: Role | undefined
  readonly isActive?: boolean | undefined
  readonly page: number
  readonly limit: number
}

export interface UserStats {
  readonly total: number
  readonly active: number
  readonly administrators: number
  readonly registeredLast30Days: number
}

export interface UsersService {
  readonly search: (
    filter: UserSearch
  ) => Effect.Effect<{ readonly items: ReadonlyArray<User>; readonly total: number }>
  readonly stats: (now: Date) => Effect.Effect<UserStats>
  readonly setActive: (id: string, active: boolean, now: Date) => Effect.Effect<void>
  /** Fails when the email (or phone) is already taken, naming the field. */
  readonly create: (user: User) => Effect.Effect<void, EmailAlreadyRegistered>
  readonly findById: (id: string) => Effect.Effect<User | undefined>
  readonly findByEmail: (email: string) => Effect.Effect<User | undefined>
  readonly updateProfile: (
    id: string,
    changes: ProfileChanges,
    now: Date
  ) => Effect.Effect<User | undefined, EmailAlreadyRegistered>
  readonly setPasswordHash: (id: string, passwordHash: string, now: Date) => Effect.Effect<void>
  readonly setRole: (id: string, role: Role, now: Date) => Effect.Effect<void>
}

export class Users extends Context.Tag("app/Users")<Users, UsersService>() {}
