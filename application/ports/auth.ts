import { Context, type Effect } from "effect"
import type { Role } from "./users.ts"

export interface PasswordHasherService {
  readonly hash: (password: string) => Effect.Effect<string>
  /** Constant-time comparison. */
  readonly verify: (password: string, hash: string) => Effect.Effect<boolean>
}
export class PasswordHasher extends Context.Tag("app/PasswordHasher")<PasswordHasher, PasswordHasherService>() {}

export interface AccessClaims {
  readonly userId: string
  readonly role: Role
  /** The refresh-token family this access token was issued with (one login session). */
  readonly sessionId: string
}

export interface AccessTokensService {
  readonly issue: (claims: AccessClaims, now: Date) => Effect.Effect<{ readonly token: string; readonly expiresAt: Date }>
  /** undefined for a bad, expired or foreign token. */
  readonly verify: (token: string, now: Date) => Effect.Effect<AccessClaims | undefined>
}
export class AccessTokens extends Context.Tag("app/AccessTokens")<AccessTokens, AccessTokensService>() {}

export type RotationOutcome =
  | { readonly _tag: "Rotated"; readonly userId: string; readonly familyId: string }
  /** The token was already rotated or revoked: its whole family has now been revoked. */
  | { readonly _tag: "Reused"; readonly userId: string; readonly familyId: string }
  | { readonly _tag: "Unknown" }
  | { readonly _tag: "Expired" }

export interface RefreshTokensService {
  /** Stores only a hash of the token. */
  readonly store: (
    token: string,
    record: { readonly userId: string; readonly familyId: string; readonly expiresAt: Date; readonly now: Date }
  ) => Effect.Effect<void>
  /** Atomically retires `token` and stores `next` in the same family; reuse revokes the family. */
  readonly rotate: (
    token: string,
    next: string,
    times: { readonly now: Date; readonly expiresAt: Date }
  ) => Effect.Effect<RotationOutcome>
  readonly revokeFamilyOf: (token: string, now: Date) => Effect.Effect<void>
  readonly revokeAllOfUser: (userId: string, now: Date, exceptFamilyId?: string) => Effect.Effect<void>
}
export class RefreshTokens extends Context.Tag("app/RefreshTokens")<RefreshTokens, RefreshTokensService>() {}

export interface LoginThrottleService {
  /** Records an attempt against every key; returns seconds to wait when any key is over its limit. */
  readonly attempt: (keys: ReadonlyArray<string>, now: Date) => Effect.Effect<number | undefined>
  /** A successful login clears the account key. */
  readonly clear: (key: string) => Effect.Effect<void>
}
export class LoginThrottle extends Context.Tag("app/LoginThrottle")<LoginThrottle, LoginThrottleService>() {}
