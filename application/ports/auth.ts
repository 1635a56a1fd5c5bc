import { Context, type Effect } from "effect"
import type { PasswordWorkBusy } from "../accounts/errors.ts"
import type { Role } from "./users.ts"

/** Password work runs through a small bounded queue: when it is full the caller is told to retry. */
export interface PasswordHasherService {
  readonly hash: (password: string) => Effect.Effect<string, PasswordWorkBusy>
  /** Constant-time comparison. */
  readonly verify: (password: string, hash: string) => Effect.Effect<boolean, PasswordWorkBusy>
  /** Costs exactly what `verify` of a real hash costs, and is always false (unknown accounts). */
  readonly verifyNone: (password: string) => Effect.Effect<false, PasswordWorkBusy>
}
export class PasswordHasher extends Context.Tag("app/PasswordHasher")<PasswordHasher, PasswordHasherService>() {}

export interface AccessClaims {
  readonly userId: string
  readonly role: Role
  /** The refresh-token family this access token was issued with (one login session). */
  readonly sessionId: string
}

export interface AccessTokensService {
  readonly issue: (
    claims: AccessClaims,
    now: Date
  ) => Effect.Effect<{ readonly token: string; readonly expiresAt: Date }>
  /** undefined for a bad, expired or foreign token. */
  readonly verify: (token: string, now: Date) => Effect.Effect<AccessClaims | undefined>
}
export class AccessTokens extends Context.Tag("app/AccessTokens")<AccessTokens, AccessTokensService>() {}

export type RotationOutcome =
  /**
   * `next` is the new refresh token; `issuedAt` the rotation's time. The same token presented
   * again within the grace window (two tabs) gets the same `next` and `issuedAt`.
   */
  | {
      readonly _tag: "Rotated"
      readonly userId: string
      readonly familyId: string
      readonly next: string
      readonly issuedAt: Date
    }
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
  /** Atomically retires `token` and stores its successor in the same family; reuse after the grace window revokes the family. */
  readonly rotate: (
    token: string,
    times: { readonly now: Date; readonly expiresAt: Date }
  ) => Effect.Effect<RotationOutcome>
  /** Whether a session (refresh-token family) still has a live token; may be cached for seconds. */
  readonly isSessionActive: (familyId: string, now: Date) => Effect.Effect<boolean>
  readonly revokeFamilyOf: (token: string, now: Date) => Effect.Effect<void>
  readonly revokeAllOfUser: (userId: string, now: Date, exceptFamilyId?: string) => Effect.Effect<void>
}
export class RefreshTokens extends Context.Tag("app/RefreshTokens")<RefreshTokens, RefreshTokensService>() {}
