import { randomBytes, scrypt, timingSafeEqual } from "node:crypto"
import { Effect, Layer } from "effect"
import { PasswordHasher } from "../../application/ports/auth.ts"

// scrypt parameters (OWASP minimum N=2^17 is ~130 ms here; 2^15 keeps login fast but costly offline).
const N = 32_768
const r = 8
const p = 1
const keyLength = 64
const maxmem = 64 * 1024 * 1024

const derive = (password: string, salt: Buffer, params: { N: number; r: number; p: number }, length: number) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize("NFKC"), salt, length, { ...params, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key))
  )

/** Format: scrypt$N$r$p$salt$key (base64url), so parameters can be raised later. */
export const PasswordHasherScrypt = Layer.succeed(
  PasswordHasher,
  PasswordHasher.of({
    hash: (password) =>
      Effect.promise(async () => {
        const salt = randomBytes(16)
        const key = await derive(password, salt, { N, r, p }, keyLength)
        return `scrypt$${N}$${r}$${p}$${salt.toString("base64url")}$${key.toString("base64url")}`
      }),
    verify: (password, stored) =>
      Effect.promise(async () => {
        const [scheme, n, rr, pp, salt, key] = stored.split("$")
        if (scheme !== "scrypt" || !n || !rr || !pp || !salt || !key) return false
        const expected = Buffer.from(key, "base64url")
        const actual = await derive(password, Buffer.from(salt, "base64url"), { N: Number(n), r: Number(rr), p: Number(pp) }, expected.length)
        return expected.length > 0 && timingSafeEqual(actual, expected)
      })
  })
)
