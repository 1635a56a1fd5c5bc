import { Clock, Effect } from "effect"
import type { Sql } from "./client.ts"

/**
 * DEVELOPMENT CLOCK (DEV_CLOCK=true on simulated systems only): the real clock plus an offset
 * kept in Postgres (`dev_clock`), so every replica and job sees the same time. The offset only
 * grows. Each process re-reads it every `refreshMs`, and at once after its own advance.
 */
export interface DevClock {
  readonly clock: Clock.Clock
  readonly now: () => Date
  /** Moves the shared offset forward by `ms` and returns the new time. */
  readonly advance: (ms: number) => Promise<Date>
  readonly refresh: () => Promise<void>
  readonly stop: () => void
}

export const makeDevClock = async (sql: Sql, refreshMs = 1_000): Promise<DevClock> => {
  const base = Clock.make()
  let offset = 0
  const read = async () => {
    const [row] = await sql<Array<{ offset_ms: number }>>`select offset_ms from dev_clock`
    offset = Math.max(offset, row?.offset_ms ?? 0)
  }
  await read()
  const millis = () => base.unsafeCurrentTimeMillis() + offset
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: millis,
    currentTimeMillis: Effect.sync(millis),
    unsafeCurrentTimeNanos: () => base.unsafeCurrentTimeNanos() + BigInt(offset) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => base.unsafeCurrentTimeNanos() + BigInt(offset) * 1_000_000n),
    sleep: (duration) => base.sleep(duration)
  }
  const timer = setInterval(() => void read().catch(() => undefined), refreshMs)
  timer.unref()
  return {
    clock,
    now: () => new Date(millis()),
    advance: async (ms) => {
      const [row] = await sql<
        Array<{ offset_ms: number }>
      >`update dev_clock set offset_ms = offset_ms + ${Math.floor(ms)} returning offset_ms`
      offset = Math.max(offset, row!.offset_ms)
      return new Date(millis())
    },
    refresh: read,
    stop: () => clearInterval(timer)
  }
}
