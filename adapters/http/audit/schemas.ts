import { Schema } from "effect"
import { IsoDate, Uuid } from "../schemas.ts"

export const AuditEventsQuery = Schema.Struct({
  stream: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))),
  after: Schema.optionalWith(Schema.NumberFromString.pipe(Schema.int(), Schema.greaterThanOrEqualTo(0)), {
    default: () => 0
  }),
  /** Without a limit the export is complete; with one, headers say how many matched and where to continue. */
  limit: Schema.optional(
    Schema.NumberFromString.pipe(Schema.int(), Schema.greaterThanOrEqualTo(1), Schema.lessThanOrEqualTo(1_000_000))
  ),
  /** `true`: commit-safe order for a consumer that tails the log (stops before the oldest open transaction). */
  tail: Schema.optional(Schema.Literal("true", "false"))
})

export const AuditLedgerQuery = Schema.Struct({
  /** `true`: add every account's replayed balance (the CLI's --accounts). */
  accounts: Schema.optional(Schema.Literal("true", "false"))
})

export const StatementQuery = Schema.Struct({ from: Schema.optional(IsoDate), to: Schema.optional(IsoDate) })

export const AdminStatementQuery = Schema.Struct({
  userId: Uuid,
  from: Schema.optional(IsoDate),
  to: Schema.optional(IsoDate)
})
