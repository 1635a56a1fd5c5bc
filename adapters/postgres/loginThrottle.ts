import { Effect, Layer } from "effect"
import { LoginThrottle } from "../../application/ports/auth.ts"
import { Pg } from "./client.ts"

export interface ThrottleLimits {
  readonly windowSeconds: number
  readonly perAccount: number
  readonly perAddress: number
}

/** Fixed-window counters in Postgres, so every replica sees the same attempts. */
export const LoginThrottlePostgres = (limits: ThrottleLimits) =>
  Layer.effect(
    LoginThrottle,
    Effect.map(Pg, (sql) =>
      LoginThrottle.of({
        attempt: (keys, now) =>
          Effect.promise(async () => {
            const windowStart = new Date(now.getTime() - limits.windowSeconds * 1000)
            let wait: number | undefined
            for (const key of keys) {
              const [row] = await sql<Array<{ attempts: number; window_start: Date }>>`
                insert into login_attempts as a (key, window_start, attempts) values (${key}, ${now}, 1)
                on conflict (key) do update set
                  attempts = case when a.window_start <= ${windowStart} then 1 else a.attempts + 1 end,
                  window_start = case when a.window_start <= ${windowStart} then ${now} else a.window_start end
                returning attempts, window_start`
              const limit = key.startsWith("account:") ? limits.perAccount : limits.perAddress
              if (row!.attempts > limit) {
                const seconds = Math.max(1, Math.ceil((row!.window_start.getTime() + limits.windowSeconds * 1000 - now.getTime()) / 1000))
                wait = Math.max(wait ?? 0, seconds)
              }
            }
            return wait
          }),
        clear: (key) => Effect.promise(() => sql`delete from login_attempts where key = ${key}`).pipe(Effect.asVoid)
      }))
  )
