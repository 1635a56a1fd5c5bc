import { Effect, Layer } from "effect"
import { jwtVerify, SignJWT } from "jose"
import { AccessTokens } from "../../application/ports/auth.ts"

const issuer = "minispod"
const audience = "minispod-api"

/** Short-lived HS256 access JWTs; the refresh side lives in the database. */
export const AccessTokensJose = (options: { readonly secret: string; readonly ttlSeconds: number }) => {
  const key = new TextEncoder().encode(options.secret)
  return Layer.succeed(
    AccessTokens,
    AccessTokens.of({
      issue: (claims, now) =>
        Effect.promise(async () => {
          const issuedAt = Math.floor(now.getTime() / 1000)
          const expiresAt = issuedAt + options.ttlSeconds
          const token = await new SignJWT({ role: claims.role, sid: claims.sessionId })
            .setProtectedHeader({ alg: "HS256", typ: "JWT" })
            .setSubject(claims.userId)
            .setIssuer(issuer)
            .setAudience(audience)
            .setIssuedAt(issuedAt)
            .setExpirationTime(expiresAt)
            .sign(key)
          return { token, expiresAt: new Date(expiresAt * 1000) }
        }),
      verify: (token, now) =>
        Effect.promise(async () => {
          try {
            const { payload } = await jwtVerify(token, key, {
              issuer,
              audience,
              algorithms: ["HS256"],
              // A token without an expiry would never end: refuse it.
              requiredClaims: ["exp", "iat", "sub"],
              currentDate: now
            })
            const role = payload["role"]
            const sid = payload["sid"]
            if (typeof payload.sub !== "string" || typeof sid !== "string") return undefined
            if (role !== "USER" && role !== "ADMINISTRATOR") return undefined
            return { userId: payload.sub, role, sessionId: sid }
          } catch {
            return undefined
          }
        })
    })
  )
}
