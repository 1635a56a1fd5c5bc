import { Schema } from "effect"

export class QuotaExceeded extends Schema.TaggedError<QuotaExceeded>()("QuotaExceeded", {
  capacity: Schema.Number,
  used: Schema.Number
}) {}

export class CapacityBelowUsage extends Schema.TaggedError<CapacityBelowUsage>()("CapacityBelowUsage", {
  requested: Schema.Number,
  used: Schema.Number
}) {}

export type QuotaError = QuotaExceeded | CapacityBelowUsage
