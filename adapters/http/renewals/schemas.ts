import { Schema } from "effect"
import { PageQuery } from "../schemas.ts"

/** The admin's renewal queues (issue 9). */
export const RenewalQueueQuery = Schema.Struct({
  ...PageQuery,
  status: Schema.optionalWith(Schema.Literal("due", "grace", "suspended"), { default: () => "due" as const })
})
