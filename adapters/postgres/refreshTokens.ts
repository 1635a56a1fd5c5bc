import { createHash, createHmac } from "node:crypto"
import { Effect, Layer } from "effect"
import { RefreshTokens } from "../../application/ports/auth.ts"
import { Pg } from "./client.ts"

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex")

export interface RefreshTokenOptions {
  /** Server secret from which a token's successor is derived (so a repeat within the grace window gets the same one). */
  readonly successorKey: string
  /** A rotated token presented again within this many seconds gets the same new pair (two tabs refreshing at once). */
  readonly graceSeconds: number
  /** How long a "session is active" answer may be reused; revocations in this process clear it at once. */
  readonly sessionCacheSeconds: number
}

/** Bounded in-process memo of session checks (other replicas see a revocation within the TTL). */
const sessionCache = (ttlMs: number, maxEntries = 10_000) => {
  const entries = new Map<string, { readonly active: boolean; readonly at: number }>()
  return {
    get: (familyId: string, now: number) => {
      const hit = entries.get(familyId)
      return hit !== undefined && now - hit.at < ttlMs ? hit.active : undefined
    },
    set: (familyId: string, active: boolean, now: number) => {
      if (ttlMs <= 0) return
      if (entries.size >= maxEntries) entries.clear()
      entries.set(familyId, { active, at: now })
    },
    forget: (familyIds: ReadonlyArray<string>) => familyIds.forEach((f) => entries.delete(f))
  }
}

export const RefreshTokensPostgres = (options: RefreshTokenOptions) =>
  Layer.effect(
    RefreshTokens,
    Effect.map(Pg, (sql) => {
      const successorOf = (token: string) =>
        createHmac("sha256", options.successorKey).update(token).digest("base64url")
      const cache = sessionCache(options.sessionCacheSeconds * 1000)
      const revoked = (rows: ReadonlyArray<{ family_id: string }>) => cache.forget(rows.map((r) => r.family_id))
      return RefreshTokens.of({
        store: (token, r) =>
          Effect.promise(
            () =>
              sql`insert into refresh_tokens (token_hash, family_id, user_id, expires_at, created_at)
              values (${hashToken(token)}, ${r.familyId}, ${r.userId}, ${r.expiresAt}, ${r.now})`
          ).pipe(Effect.asVoid),
        rotate: (token, { now, expiresAt }) =>
          Effect.promise(async () => {
            const next = successorOf(token)
            const outcome = await sql.begin(async (tx) => {
              const [row] = await tx<
                Array<{
                  family_id: string
                  user_id: string
                  expires_at: Date
                  rotated_at: Date | null
                  revoked_at: Date | null
                }>
              >`
                select family_id, user_id, expires_at, rotated_at, revoked_at from refresh_tokens
                where token_hash = ${hashToken(token)} for update`
              if (row === undefined) return { _tag: "Unknown" as const }
              if (
                row.revoked_at === null &&
                row.rotated_at !== null &&
                now.getTime() - row.rotated_at.getTime() <= options.graceSeconds * 1000
              ) {
                // The same token twice within seconds (two tabs): the same successor, if it is still live.
                const [successor] =
                  await tx`select 1 from refresh_tokens where token_hash = ${hashToken(next)} and revoked_at is null`
                if (successor !== undefined) {
                  return {
                    _tag: "Rotated" as const,
                    userId: row.user_id,
                    familyId: row.family_id,
                    next,
                    issuedAt: row.rotated_at
                  }
                }
              }
              if (row.rotated_at !== null || row.revoked_at !== null) {
                // A retired token came back: someone holds a copy. End the whole session.
                await tx`update refresh_tokens set revoked_at = ${now}
                  where family_id = ${row.family_id} and revoked_at is null`
                return { _tag: "Reused" as const, userId: row.user_id, familyId: row.family_id }
              }
              if (row.expires_at.getTime() <= now.getTime()) return { _tag: "Expired" as const }
              await tx`update refresh_tokens set rotated_at = ${now} where token_hash = ${hashToken(token)}`
              await tx`insert into refresh_tokens (token_hash, family_id, user_id, expires_at, created_at)
                values (${hashToken(next)}, ${row.family_id}, ${row.user_id}, ${expiresAt}, ${now})`
              return { _tag: "Rotated" as const, userId: row.user_id, familyId: row.family_id, next, issuedAt: now }
            })
            if (outcome._tag === "Reused") cache.forget([outcome.familyId])
            return outcome
          }),
        isSessionActive: (familyId, now) =>
          Effect.suspend(() => {
            const cached = cache.get(familyId, now.getTime())
            if (cached !== undefined) return Effect.succeed(cached)
            return Effect.promise(async () => {
              const [row] = await sql<Array<{ active: boolean }>>`
                select exists (select 1 from refresh_tokens where family_id = ${familyId} and revoked_at is null
                  and expires_at > ${now}) as active`
              const active = row?.active === true
              cache.set(familyId, active, now.getTime())
              return active
            })
          }),
        revokeFamilyOf: (token, now) =>
          Effect.promise(
            () =>
              sql<Array<{ family_id: string }>>`update refresh_tokens set revoked_at = ${now}
              where revoked_at is null and family_id = (select family_id from refresh_tokens where token_hash = ${hashToken(token)})
              returning family_id`
          ).pipe(Effect.map(revoked)),
        revokeAllOfUser: (userId, now, exceptFamilyId) =>
          Effect.promise(
            () =>
              sql<Array<{ family_id: string }>>`update refresh_tokens set revoked_at = ${now}
              where user_id = ${userId} and revoked_at is null
              ${exceptFamilyId === undefined ? sql`` : sql`and family_id <> ${exceptFamilyId}`}
              returning family_id`
          ).pipe(Effect.map(revoked))
      })
    })
  )
