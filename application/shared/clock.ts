import { Clock, Effect } from "effect"

/** Now, from the Clock port (the development clock and tests control it), as ISO-8601 UTC. */
export const nowIso = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms).toISOString())
