import { Context, type Effect } from "effect"

/** One throttled key and the failures it may have before it is blocked. */
export interface ThrottleEntry {
  readonly key: string
  readonly free: number
}

/**
 * Failure counters with exponential backoff (shared by replicas). Only failures count, so a
 * stranger's wrong guesses never lock the owner out from their own address.
 */
export interface AuthThrottleService {
  /** Seconds to wait when any key is blocked now, else undefined. */
  readonly blocked: (keys: ReadonlyArray<string>, now: Date) => Effect.Effect<number | undefined>
  /** Counts one failure on every entry; past its free allowance a key is blocked 1 s, 2 s, 4 s … */
  readonly fail: (entries: ReadonlyArray<ThrottleEntry>, now: Date) => Effect.Effect<void>
  readonly clear: (key: string) => Effect.Effect<void>
}
export class AuthThrottle extends Context.Tag("app/AuthThrottle")<AuthThrottle, AuthThrottleService>() {}
