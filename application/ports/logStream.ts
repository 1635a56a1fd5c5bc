import { Context, type Effect } from "effect"

/** A running follow of an instance's logs; `stop` ends it. */
export interface LogFollow {
  readonly stop: () => void
}

export interface LogStreamService {
  /** The last `tailLines` lines, then every new one, raw (ANSI codes included); waits for the instance to run. */
  readonly follow: (
    namespace: string,
    name: string,
    options: { readonly tailLines: number },
    onLine: (line: string) => void
  ) => Effect.Effect<LogFollow>
}

export class LogStream extends Context.Tag("app/LogStream")<LogStream, LogStreamService>() {}
