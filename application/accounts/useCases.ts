import { Clock, Context, Effect } from "effect"
import { AccessTokens, PasswordHasher, RefreshTokens } from "../ports/auth.ts"
import { AuthThrottle } from "../ports/authThrottle.ts"
import { IdGenerator } from "../ports/ids.ts"
import { type ProfileChanges, type Role, type User, Users } from "../ports/users.ts"
import { FieldInvalid, Forbidden, Unauthenticated, UserNotFound } from "../shared/errors.ts"
import type { Locale } from "../../domain/notification/index.ts"
import { checkNewPassword, normalizeEmail } from "./credentials.ts"
import { InvalidCredentials, InvalidRefreshToken, TooManyAttempts } from "./errors.ts"

export interface AuthPolicyService {
  readonly refreshTokenTtlSeconds: number
  /** Failed logins per (account, client address) before exponential backoff. */
  readonly loginFailuresPerAccountAddress: number
  /** Failed logins (and registration conflicts) per client address before exponential backoff. */
  readonly failuresPerAddress: number
  /** Registrations per client address before exponential backoff (each costs a password hash). */
  readonly registrationsPerAddress: number
  /** Wrong current passwords per account before exponential backoff. */
  readonly passwordChangeFailures: number
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
  readonly locale: Locale
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

const throttleKeys = {
  accountAddress: (email: string, address: string) => `login:${email}|${address}`,
  address: (address: string) => `address:${address}`,
  registration: (address: string) => `register:${address}`,
  passwordChange: (userId: string) => `password:${userId}`
}

/** Fails with TooManyAttempts while any key is blocked. */
const notBlocked = Effect.fn("Accounts.notBlocked")(function* (keys: ReadonlyArray<string>) {
  const wait = yield* (yield* AuthThrottle).blocked(keys, yield* now)
  if (wait !== undefined) return yield* new TooManyAttempts({ retryAfterSeconds: wait })
})

/** Starts a new session (refresh-token family) for a user. */
const openSession = Effect.fn("Accounts.openSession")(function* (user: User, familyId?: string) {
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

/** Throttled per client address (each registration costs a hash; "already registered" is a lookup). */
export const register = Effect.fn("Accounts.register")(function* (input: {
  readonly name: string
  readonly email: string
  readonly password: string
  readonly phone?: string | undefined
  readonly locale?: Locale | undefined
  readonly clientAddress: string
}) {
  const policy = yield* AuthPolicy
  const throttle = yield* AuthThrottle
  const keys = {
    registration: throttleKeys.registration(input.clientAddress),
    address: throttleKeys.address(input.clientAddress)
  }
  // Every registration counts (each costs a hash), before the check: at most `registrationsPerAddress` pass.
  yield* throttle.fail([{ key: keys.registration, free: policy.registrationsPerAddress }], yield* now)
  yield* notBlocked([keys.registration, keys.address])
  const email = normalizeEmail(input.email)
  yield* checkNewPassword("password", input.password, email)
  const at = yield* now
  const user: User = {
    id: yield* (yield* IdGenerator).uuid,
    name: input.name.trim(),
    email,
    phone: input.phone ?? null,
    avatar: null,
    role: "USER",
    isActive: true,
    locale: input.locale ?? "id",
    passwordHash: yield* (yield* PasswordHasher).hash(input.password),
    createdAt: at.toISOString(),
    updatedAt: at.toISOString()
  }
  yield* (yield* Users)
    .create(user)
    .pipe(
      Effect.tapError((e) =>
        e._tag === "EmailAlreadyRegistered"
          ? throttle.fail([{ key: keys.address, free: policy.failuresPerAddress }], at)
          : Effect.void
      )
    )
  return yield* openSession(user)
})

/**
 * Failures only are counted, per (account, client address) and per client address, with
 * exponential backoff: strangers' wrong guesses never lock the owner out, and a busy address's
 * successful logins never count. The same answer (and cost) for an unknown email and a bad password.
 */
export const login = Effect.fn("Accounts.login")(function* (input: {
  readonly email: string
  readonly password: string
  readonly clientAddress: string
}) {
  const email = normalizeEmail(input.email)
  const policy = yield* AuthPolicy
  const throttle = yield* AuthThrottle
  const keys = {
    accountAddress: throttleKeys.accountAddress(email, input.clientAddress),
    address: throttleKeys.address(input.clientAddress)
  }
  yield* notBlocked([keys.accountAddress, keys.address])
  const user = yield* (yield* Users).findByEmail(email)
  const hasher = yield* PasswordHasher
  const valid =
    user === undefined
      ? yield* hasher.verifyNone(input.password)
      : yield* hasher.verify(input.password, user.passwordHash)
  if (user === undefined || !valid || !user.isActive) {
    yield* throttle.fail(
      [
        { key: keys.accountAddress, free: policy.loginFailuresPerAccountAddress },
        { key: keys.address, free: policy.failuresPerAddress }
      ],
      yield* now
    )
    return yield* new InvalidCredentials()
  }
  yield* throttle.clear(keys.accountAddress)
  return yield* openSession(user)
})

export const refreshSession = Effect.fn("Accounts.refreshSession")(function* (refreshToken: string) {
  const at = yield* now
  const policy = yield* AuthPolicy
  const outcome = yield* (yield* RefreshTokens).rotate(refreshToken, {
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
        yield* (yield* RefreshTokens).revokeFamilyOf(outcome.next, at)
        return yield* new InvalidRefreshToken({ reason: "unknown" })
      }
      // Issued at the rotation's time: a repeat within the grace window gets the very same pair.
      const access = yield* (yield* AccessTokens).issue(
        { userId: user.id, role: user.role, sessionId: outcome.familyId },
        outcome.issuedAt
      )
      return {
        user: publicUser(user),
        accessToken: access.token,
        accessTokenExpiresAt: access.expiresAt.toISOString(),
        refreshToken: outcome.next
      } satisfies Session
    }
  }
})

/** Ends the session the refresh token belongs to. Unknown tokens are ignored (logout is idempotent). */
export const logout = Effect.fn("Accounts.logout")(function* (refreshToken: string) {
  yield* (yield* RefreshTokens).revokeFamilyOf(refreshToken, yield* now)
})

/** Access token → principal, re-checking that the account is active and its session not ended. */
export const authenticate = Effect.fn("Accounts.authenticate")(function* (accessToken: string) {
  const at = yield* now
  const claims = yield* (yield* AccessTokens).verify(accessToken, at)
  if (claims === undefined) return yield* new Unauthenticated({ reason: "invalid or expired access token" })
  const [user, sessionActive] = yield* Effect.all(
    [
      Effect.flatMap(Users, (users) => users.findById(claims.userId)),
      Effect.flatMap(RefreshTokens, (tokens) => tokens.isSessionActive(claims.sessionId, at))
    ],
    { concurrency: 2 }
  )
  if (user === undefined || !user.isActive) return yield* new Unauthenticated({ reason: "account not active" })
  if (!sessionActive) return yield* new Unauthenticated({ reason: "session ended" })
  return { userId: user.id, role: user.role, sessionId: claims.sessionId } satisfies Principal
})

/** For long-lived connections (log streams): the account is still active and the session not ended. */
export const stillAuthenticated = Effect.fn("Accounts.stillAuthenticated")(function* (principal: Principal) {
  const at = yield* now
  const [user, sessionActive] = yield* Effect.all(
    [
      Effect.flatMap(Users, (users) => users.findById(principal.userId)),
      Effect.flatMap(RefreshTokens, (tokens) => tokens.isSessionActive(principal.sessionId, at))
    ],
    { concurrency: 2 }
  )
  return user !== undefined && user.isActive && sessionActive
})

export const requireAdministrator = (principal: Principal) =>
  principal.role === "ADMINISTRATOR" ? Effect.void : Effect.fail(new Forbidden())

export const getProfile = Effect.fn("Accounts.getProfile")(function* (userId: string) {
  const user = yield* (yield* Users).findById(userId)
  if (user === undefined) return yield* new UserNotFound({ userId })
  return publicUser(user)
})

export const updateProfile = Effect.fn("Accounts.updateProfile")(function* (userId: string, changes: ProfileChanges) {
  const user = yield* (yield* Users).updateProfile(userId, changes, yield* now)
  if (user === undefined) return yield* new UserNotFound({ userId })
  return publicUser(user)
})

/** Checks the current password, stores the new one and ends every other session. */
export const changePassword = Effect.fn("Accounts.changePassword")(function* (
  principal: Principal,
  input: { readonly currentPassword: string; readonly newPassword: string }
) {
  const users = yield* Users
  const hasher = yield* PasswordHasher
  const throttle = yield* AuthThrottle
  const key = throttleKeys.passwordChange(principal.userId)
  yield* notBlocked([key])
  const user = yield* users.findById(principal.userId)
  if (user === undefined) return yield* new UserNotFound({ userId: principal.userId })
  // An online guess of the current password with a stolen access token: throttled like a login.
  if (!(yield* hasher.verify(input.currentPassword, user.passwordHash))) {
    yield* throttle.fail([{ key, free: (yield* AuthPolicy).passwordChangeFailures }], yield* now)
    return yield* new FieldInvalid({ field: "currentPassword", problem: "does not match" })
  }
  yield* throttle.clear(key)
  yield* checkNewPassword("newPassword", input.newPassword, user.email)
  const at = yield* now
  yield* users.setPasswordHash(user.id, yield* hasher.hash(input.newPassword), at)
  yield* (yield* RefreshTokens).revokeAllOfUser(user.id, at, principal.sessionId)
})

/** The first administrator, from ADMIN_EMAIL / ADMIN_PASSWORD at start; an existing account is promoted. */
export const ensureAdministrator = Effect.fn("Accounts.ensureAdministrator")(function* (input: {
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
  yield* users
    .create({
      id,
      name: "Administrator",
      email,
      phone: null,
      avatar: null,
      role: "ADMINISTRATOR",
      isActive: true,
      locale: "id",
      passwordHash: yield* (yield* PasswordHasher).hash(input.password),
      createdAt: at.toISOString(),
      updatedAt: at.toISOString()
    })
    .pipe(Effect.catchTag("EmailAlreadyRegistered", () => Effect.void)) // another replica won the race
  return id
})
