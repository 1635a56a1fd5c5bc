import { Schema } from "effect"

export const trimmed = (min: number, max: number) => Schema.Trim.pipe(Schema.minLength(min), Schema.maxLength(max))

export const Uuid = Schema.String.pipe(
  Schema.pattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: () => "must be a UUID" })
)

const PageNumber = Schema.NumberFromString.pipe(
  Schema.int(),
  Schema.greaterThanOrEqualTo(1),
  Schema.lessThanOrEqualTo(1_000_000)
)
const PageLimit = Schema.NumberFromString.pipe(
  Schema.int(),
  Schema.greaterThanOrEqualTo(1),
  Schema.lessThanOrEqualTo(100)
)

export const PageQuery = {
  page: Schema.optionalWith(PageNumber, { default: () => 1 }),
  limit: Schema.optionalWith(PageLimit, { default: () => 20 })
}

export const UserIdParams = Schema.Struct({ id: Uuid })

export const TransactionIdParams = Schema.Struct({
  id: Schema.String.pipe(Schema.pattern(/^TXMP-\d{1,18}$/, { message: () => "must be a transaction id like TXMP-101" }))
})

export const Name = Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(100))

export const IdParams = Schema.Struct({ id: Uuid })

/** ?page=&limit= and nothing else. */
export const PageListQuery = Schema.Struct(PageQuery)

/** A query-string flag: "true" or "false". */
export const BoolFromString = Schema.Literal("true", "false").pipe(
  Schema.transform(Schema.Boolean, { decode: (s) => s === "true", encode: (b) => (b ? "true" : "false") })
)

export const IsoDate = Schema.String.pipe(
  Schema.filter((s) => !Number.isNaN(Date.parse(s)) || "must be an ISO-8601 date")
)

export const Reason = Schema.Trim.pipe(Schema.minLength(3), Schema.maxLength(500))
export const ReasonBody = Schema.Struct({ reason: Reason })
