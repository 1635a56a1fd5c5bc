import { Clock, Context, Effect } from "effect"
import { AccessTokens, LoginThrottle, PasswordHasher, RefreshTokens } from "../ports/auth.ts"
import { IdGenerator } from "../ports/ids.ts"
import { type ProfileChanges, type Role, type User, Users } from "../ports/users.ts"
import { FieldInvalid, Forbidden, Unauthenticated, UserNotFound } from "../shared/errors.ts"
import { InvalidCredentials, InvalidRefreshToken, TooManyAttempts } from "./errors.ts"

export interface AuthPolicyService {
  readonly refreshTokenTtlSeconds: number
}
export class AuthPolicy extends Context.Tag("app/AuthPolicy")<AuthPolicy, AuthPolicyService>() {}

export interface PublicUser {
  readonly id: string
  readonly name: string
  readonly email: string
  readonly phone: string | null
  readonly avatar: string | null
  readonly role: Role
  readonly isActive: boolean
  readonly createdAt: string
  readonly updatedAt: string
}

export const publicUser = ({ passwordHash: _, ...user }: User): PublicUser => user

export interface Session {
  readonly user: PublicUser
  readonly accessToken: string
  readonly accessTokenExpiresAt: string
  readonly refreshToken: string
}

export interface Principal {
  readonly userId: string
  readonly role: Role
  readonly sessionId: string
}

const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

const normalizeEmail = (email: string) => email.trim().toLowerCase()

/** Starts a new session (refresh-token family) for a user. */
const openSession = Effect.fn("Accounts.openSession")(function*(user: User, familyId?: string) {
  const at = yield* now
  const ids = yield* IdGenerator
  const policy = yield* AuthPolicy
  const family = familyId ?? (yield* ids.uuid)
  const refreshToken = yield* ids.secret
  yield* (yield* RefreshTokens).store(refreshToken, {
    userId: user.id,
    familyId: family,
    expiresAt: new Date(at.getTime() + policy.refreshTokenTtlSeconds * 1000),
    now: at
  })
  const access = yield* (yield* AccessTokens).issue({ userId: user.id, role: user.role, sessionId: family }, at)
  return {
    user: publicUser(user),
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt.toISOString(),
    refreshToken
  } satisfies Session
})

export const register = Effect.fn("Accounts.register")(function*(input: {
  readonly name: string
  readonly email: string
  readonly password: string
  readonly phone?: string | undefined
}) {
  const at = yield* now
  const user: User = {
    id: yield* (yield* IdGenerator).uuid,
    name: input.name.trim(),
    email: normalizeEmail(input.email),
    phone: input.phone ?? null,
    avatar: null,
    role: "USER",
    isActive: true,
    passwordHash: yield* (yield* PasswordHasher).hash(input.password),
    createdAt: at.toISOString(),
    updatedAt: at.toISOString()
  }
  yield* (yield* Users).create(user)
  return yield* openSession(user)
})

/** Rate-limited per account and per client address; the same answer for unknown email and bad password. */
export const login = Effect.fn("Accounts.login")(function*(input: {
  readonly email: string
  readonly password: string
  readonly clientAddress: string
}) {
  const email = normalizeEmail(input.email)
  const throttle = yield* LoginThrottle
  const wait = yield* throttle.attempt([`account:${email}`, `ip:${input.clientAddress}`], yield* now)
  if (wait !== undefined) return yield* new TooManyAttempts({ retryAfterSeconds: wait })
  const user = yield* (yield* Users).findByEmail(email)
  const hasher = yield* PasswordHasher
  // Verify against a real hash even for unknown emails, so timing does not reveal accounts.
  const valid = yield* hasher.verify(input.password, user?.passwordHash ?? dummyHash)
  if (user === undefined || !valid || !user.isActive) return yield* new InvalidCredentials()
  yield* throttle.clear(`account:${email}`)
  return yield* openSession(user)
})

/** A well-formed scrypt hash of a random password, never matching anything a user types. */
const dummyHash = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

export const refreshSession = Effect.fn("Accounts.refreshSession")(function*(refreshToken: string) {
  const at = yield* now
  const ids = yield* IdGenerator
  const policy = yield* AuthPolicy
  const next = yield* ids.secret
  const outcome = yield* (yield* RefreshTokens).rotate(refreshToken, next, {
    now: at,
    expiresAt: new Date(at.getTime() + policy.refreshTokenTtlSeconds * 1000)
  })
  switch (outcome._tag) {
    case "Unknown":
      return yield* new InvalidRefreshToken({ reason: "unknown" })
    case "Expired":
      return yield* new InvalidRefreshToken({ reason: "expired" })
    case "Reused":
      yield* Effect.logWarning("refresh token reuse: session family revoked").pipe(
        Effect.annotateLogs({ userId: outcome.userId, familyId: outcome.familyId })
      )
      return yield* new InvalidRefreshToken({ reason: "reused" })
    case "Rotated": {
      const user = yield* (yield* Users).findById(outcome.userId)
      if (user === undefined || !user.isActive) {
        yield* (yield* RefreshTokens).revokeFamilyOf(next, at)
        return yield* new InvalidRefreshToken({ reason: "unknown" })
      }
      const access = yield* (yield* AccessTokens).issue(
        { userId: user.id, role: user.role, sessionId: outcome.familyId },
        at
      )
      return {
        user: publicUser(user),
        accessToken: access.token,
        accessTokenExpiresAt: access.expiresAt.toISOString(),
        refreshToken: next
      } satisfies Session
    }
  }
})

/** Ends the session the refresh token belongs to. Unknown tokens are ignored (logout is idempotent). */
export const logout = Effect.fn("Accounts.logout")(function*(refreshToken: string) {
  yield* (yield* RefreshTokens).revokeFamilyOf(refreshToken, yield* now)
})

/** Access token → principal, re-checking that the account still exists and is active. */
export const authenticate = Effect.fn("Accounts.authenticate")(function*(accessToken: string) {
  const claims = yield* (yield* AccessTokens).verify(accessToken, yield* now)
  if (claims === undefined) return yield* new Unauthenticated({ reason: "invalid or expired access token" })
  const user = yield* (yield* Users).findById(claims.userId)
  if (user === undefined || !user.isActive) return yield* new Unauthenticated({ reason: "account not active" })
  return { userId: user.id, role: user.role, sessionId: claims.sessionId } satisfies Principal
})

export const requireAdministrator = (principal: Principal) =>
  principal.role === "ADMINISTRATOR" ? Effect.void : Effect.fail(new Forbidden())

export const getProfile = Effect.fn("Accounts.getProfile")(function*(userId: string) {
  const user = yield* (yield* Users).findById(userId)
  if (user === undefined) return yield* new UserNotFound({ userId })
  return publicUser(user)
})

export const updateProfile = Effect.fn("Accounts.updateProfile")(function*(userId: string, changes: ProfileChanges) {
  const user = yield* (yield* Users).updateProfile(userId, changes, yield* now)
  if (user === undefined) return yield* new UserNotFound({ userId })
  return publicUser(user)
})

/** Checks the current password, stores the new one and ends every other session. */
export const changePassword = Effect.fn("Accounts.changePassword")(function*(
  principal: Principal,
  input: { readonly currentPassword: string; readonly newPassword: string }
) {
  const users = yield* Users
  const hasher = yield* PasswordHasher
  const user = yield* users.findById(principal.userId)
  if (user === undefined) return yield* new UserNotFound({ userId: principal.userId })
  if (!(yield* hasher.verify(input.currentPassword, user.passwordHash))) {
    return yield* new FieldInvalid({ field: "currentPassword", problem: "does not match" })
  }
  const at = yield* now
  yield* users.setPasswordHash(user.id, yield* hasher.hash(input.newPassword), at)
  yield* (yield* RefreshTokens).revokeAllOfUser(user.id, at, principal.sessionId)
})

/** The first administrator, from ADMIN_EMAIL / ADMIN_PASSWORD at start; an existing account is promoted. */
export const ensureAdministrator = Effect.fn("Accounts.ensureAdministrator")(function*(input: {
  readonly email: string
  readonly password: string
}) {
  const users = yield* Users
  const email = normalizeEmail(input.email)
  const existing = yield* users.findByEmail(email)
  const at = yield* now
  if (existing !== undefined) {
    if (existing.role !== "ADMINISTRATOR") yield* users.setRole(existing.id, "ADMINISTRATOR", at)
    return existing.id
  }
  const id = yield* (yield* IdGenerator).uuid
  yield* users.create({
    id,
    name: "Administrator",
    email,
    phone: null,
    avatar: null,
    role: "ADMINISTRATOR",
    isActive: true,
    passwordHash: yield* (yield* PasswordHasher).hash(input.password),
    createdAt: at.toISOString(),
    updatedAt: at.toISOString()
  }).pipe(Effect.catchTag("EmailAlreadyRegistered", () => Effect.void)) // another replica won the race
  return id
})
