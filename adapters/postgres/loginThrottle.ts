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
            // Every key counted in one statement; an expired window starts over.
            const rows = await sql<Array<{ key: string; attempts: number; window_start: Date }>>`
              insert into login_attempts as a (key, window_start, attempts)
              select k, ${now}, 1 from unnest(${[...keys]}::text[]) as k
              on conflict (key) do update set
                attempts = case when a.window_start <= ${windowStart} then 1 else a.attempts + 1 end,
                window_start = case when a.window_start <= ${windowStart} then ${now} else a.window_start end
              returning key, attempts, window_start`
            const waits = rows
              .filter((r) => r.attempts > (r.key.startsWith("account:") ? limits.perAccount : limits.perAddress))
              .map((r) => Math.max(1, Math.ceil((r.window_start.getTime() + limits.windowSeconds * 1000 - now.getTime()) / 1000)))
            return waits.length === 0 ? undefined : Math.max(...waits)
          }),
        clear: (key) => Effect.promise(() => sql`delete from login_attempts where key = ${key}`).pipe(Effect.asVoid)
      }))
  )
