import { Schema } from "effect"
import type { Aggregate } from "../shared/index.ts"
import { QuotaEvent } from "./events.ts"
import { evolveQuota } from "./evolve.ts"
import { emptyQuota, type QuotaState } from "./state.ts"

/** A quota's decision state as stored in its snapshot (v1). */
const QuotaSnapshot = Schema.Struct({
  v: Schema.Literal(1),
  capacity: Schema.NullOr(Schema.Number),
  used: Schema.Number
})

/** plan-quota-<planId>: a hot stream (every subscribe to the plan), loaded from its snapshot. */
export const quotaAggregate: Aggregate<QuotaState, QuotaEvent, typeof QuotaSnapshot.Type> = {
  event: QuotaEvent,
  initial: emptyQuota,
  evolve: evolveQuota,
  snapshot: {
    schema: QuotaSnapshot,
    of: (state) => ({ v: 1, capacity: state.capacity ?? null, used: state.used }),
    state: (s) => ({ capacity: s.capacity ?? undefined, used: s.used })
  }
}
