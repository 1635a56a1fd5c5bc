import { createHash } from "node:crypto"
import { Effect, Layer } from "effect"
import { RefreshTokens } from "../../application/ports/auth.ts"
import { Pg } from "./client.ts"

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex")

export const RefreshTokensPostgres = Layer.effect(
  RefreshTokens,
  Effect.map(Pg, (sql) =>
    RefreshTokens.of({
      store: (token, r) =>
        Effect.promise(() =>
          sql`insert into refresh_tokens (token_hash, family_id, user_id, expires_at, created_at)
            values (${hashToken(token)}, ${r.familyId}, ${r.userId}, ${r.expiresAt}, ${r.now})`
        ).pipe(Effect.asVoid),
      rotate: (token, next, { now, expiresAt }) =>
        Effect.promise(() =>
          sql.begin(async (tx) => {
            const [row] = await tx<Array<{ family_id: string; user_id: string; expires_at: Date; rotated_at: Date | null; revoked_at: Date | null }>>`
              select family_id, user_id, expires_at, rotated_at, revoked_at from refresh_tokens
              where token_hash = ${hashToken(token)} for update`
            if (row === undefined) return { _tag: "Unknown" as const }
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
            return { _tag: "Rotated" as const, userId: row.user_id, familyId: row.family_id }
          })
        ),
      revokeFamilyOf: (token, now) =>
        Effect.promise(() =>
          sql`update refresh_tokens set revoked_at = ${now}
            where revoked_at is null and family_id = (select family_id from refresh_tokens where token_hash = ${hashToken(token)})`
        ).pipe(Effect.asVoid),
      revokeAllOfUser: (userId, now, exceptFamilyId) =>
        Effect.promise(() =>
          sql`update refresh_tokens set revoked_at = ${now}
            where user_id = ${userId} and revoked_at is null
            ${exceptFamilyId === undefined ? sql`` : sql`and family_id <> ${exceptFamilyId}`}`
        ).pipe(Effect.asVoid)
    }))
)
