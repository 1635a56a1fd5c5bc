import { Effect, Layer } from "effect"
import { AuthThrottle } from "../../application/ports/authThrottle.ts"
import { Pg } from "./client.ts"

export interface ThrottleWindow {
  /** Failures older than this are forgotten. */
  readonly windowSeconds: number
  /** The longest block (the doubling stops here). */
  readonly maxBlockSeconds: number
}

/** Failure counters in Postgres, so every replica sees the same attempts. */
export const AuthThrottlePostgres = (window: ThrottleWindow) =>
  Layer.effect(
    AuthThrottle,
    Effect.map(Pg, (sql) =>
      AuthThrottle.of({
        blocked: (keys, now) =>
          Effect.promise(async () => {
            const [row] = await sql<Array<{ until: Date | null }>>`
              select max(blocked_until) as until from auth_throttle
              where key = any(${[...keys]}::text[]) and blocked_until > ${now}`
            return row?.until == null ? undefined : Math.max(1, Math.ceil((row.until.getTime() - now.getTime()) / 1000))
          }),
        fail: (entries, now) =>
          Effect.promise(async () => {
            const windowStart = new Date(now.getTime() - window.windowSeconds * 1000)
            // Every key in one statement; an expired window starts over. Past `free` failures
            // the block doubles from 1 s up to maxBlockSeconds.
            await sql`
              insert into auth_throttle as t (key, failures, free, first_at, blocked_until)
              select key, 1, free, ${now}, case when free < 1 then ${now}::timestamptz + interval '1 second' end
              from unnest(${entries.map((e) => e.key)}::text[], ${entries.map((e) => e.free)}::int[]) as e(key, free)
              on conflict (key) do update set
                free = excluded.free,
                failures = case when t.first_at <= ${windowStart} then 1 else t.failures + 1 end,
                first_at = case when t.first_at <= ${windowStart} then excluded.first_at else t.first_at end,
                blocked_until = case
                  when (case when t.first_at <= ${windowStart} then 1 else t.failures + 1 end) > excluded.free
                    then ${now}::timestamptz + make_interval(secs => least(${window.maxBlockSeconds}::float8,
                      power(2, least((case when t.first_at <= ${windowStart} then 1 else t.failures + 1 end) - excluded.free - 1, 30))))
                  when t.first_at <= ${windowStart} then null
                  else t.blocked_until end`
          }).pipe(Effect.asVoid),
        clear: (key) => Effect.promise(() => sql`delete from auth_throttle where key = ${key}`).pipe(Effect.asVoid)
      })
    )
  )
