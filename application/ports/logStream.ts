import { Context, type Effect } from "effect"
import type { ClusterError } from "./cluster.ts"

/** A running follow of an instance's logs; `stop` ends it. */
export interface LogFollow {
  readonly stop: () => void
}

export interface LogStreamService {
  /** The last `tailLines` lines, then every new one, raw (ANSI codes included). */
  readonly follow: (
    namespace: string,
    name: string,
    options: { readonly tailLines: number },
    onLine: (line: string) => void
  ) => Effect.Effect<LogFollow, ClusterError>
}

export class LogStream extends Context.Tag("app/LogStream")<LogStream, LogStreamService>() {}
