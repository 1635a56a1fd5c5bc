import { Context, type Effect } from "effect"

/** A running follow of an instance's logs; `stop` ends it (and aborts the upstream request). */
export interface LogFollow {
  readonly stop: () => void
}

/** The app's container, or its companion database's. */
export type LogContainer = "app" | "database"

export type LogEvent =
  /** One line, raw (ANSI codes included); `timestamp` is the runtime's, ISO-8601 (null when it sent none). */
  | { readonly _tag: "Line"; readonly text: string; readonly timestamp: string | null }
  /** The follow is on `pod` now; `previous`: the pod it followed before (replaced: restart, rollout, crash, reschedule). */
  | { readonly _tag: "Attached"; readonly pod: string; readonly previous: string | null }

export interface LogStreamService {
  /**
   * The last `tailLines` lines of the container, then every new one; waits for the instance to
   * run, and follows the replacement when its pod is replaced.
   */
  readonly follow: (
    namespace: string,
    name: string,
    options: { readonly tailLines: number; readonly container: LogContainer },
    onEvent: (event: LogEvent) => void
  ) => Effect.Effect<LogFollow>
}

export class LogStream extends Context.Tag("app/LogStream")<LogStream, LogStreamService>() {}
