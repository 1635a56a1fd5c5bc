import { Schema } from "effect"
import { IsoDate } from "../schemas.ts"

/** ?from=&to=&groupBy=day|month; defaults: the last 30 days by day. */
export const AnalyticsQuery = Schema.Struct({
  from: Schema.optional(IsoDate),
  to: Schema.optional(IsoDate),
  groupBy: Schema.optionalWith(Schema.Literal("day", "month"), { default: () => "day" as const })
})
