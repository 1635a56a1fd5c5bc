import { randomBytes, scrypt, timingSafeEqual } from "node:crypto"
import { Effect, Layer } from "effect"
import { PasswordWorkBusy } from "../../application/accounts/errors.ts"
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
      error ? reject(error) : resolve(key)
    )
  )

/** Format: scrypt$N$r$p$salt$key (base64url), so parameters can be raised later. */
export const hashPassword = async (password: string) => {
  const salt = randomBytes(16)
  const key = await derive(password, salt, { N, r, p }, keyLength)
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64url")}$${key.toString("base64url")}`
}

export const verifyPassword = async (password: string, stored: string) => {
  const [scheme, n, rr, pp, salt, key] = stored.split("$")
  if (scheme !== "scrypt" || !n || !rr || !pp || !salt || !key) return false
  const expected = Buffer.from(key, "base64url")
  const actual = await derive(
    password,
    Buffer.from(salt, "base64url"),
    { N: Number(n), r: Number(rr), p: Number(pp) },
    expected.length
  )
  return expected.length > 0 && timingSafeEqual(actual, expected)
}

/** The cost parameters of a stored hash ("N r p keyLength"), to compare costs. */
export const costOf = (stored: string) => {
  const [, n, rr, pp, , key] = stored.split("$")
  return `${n} ${rr} ${pp} ${Buffer.from(key ?? "", "base64url").length}`
}

export interface HashQueue {
  /** Hash computations running at once (each takes a core for ~60 ms). */
  readonly concurrency: number
  /** Computations that may wait for a slot; beyond that the caller gets PasswordWorkBusy. */
  readonly waiting: number
}

/**
 * scrypt behind a small bounded queue, so password work (logins, registrations, password
 * changes) can never take every core from the rest of the API. Unknown accounts are checked
 * against a hash made at start with the very same parameters (equal cost, no enumeration).
 */
export const makePasswordHasher = Effect.fn("PasswordHasher.make")(function* (queue: HashQueue) {
  const semaphore = yield* Effect.makeSemaphore(queue.concurrency)
  let admitted = 0
  const bounded = <A>(work: () => Promise<A>) =>
    Effect.suspend(() => {
      if (admitted >= queue.concurrency + queue.waiting)
        return Effect.fail(new PasswordWorkBusy({ retryAfterSeconds: 1 }))
      admitted++
      return semaphore
        .withPermits(1)(Effect.promise(work))
        .pipe(Effect.ensuring(Effect.sync(() => admitted--)))
    })
  const dummyHash = yield* Effect.promise(() => hashPassword(randomBytes(16).toString("base64url")))
  const service = PasswordHasher.of({
    hash: (password) => bounded(() => hashPassword(password)),
    verify: (password, stored) => bounded(() => verifyPassword(password, stored)),
    verifyNone: (password) => bounded(() => verifyPassword(password, dummyHash)).pipe(Effect.as(false as const))
  })
  return { service, dummyHash }
})

export const PasswordHasherScrypt = (queue: HashQueue) =>
  Layer.effect(
    PasswordHasher,
    Effect.map(makePasswordHasher(queue), (h) => h.service)
  )
