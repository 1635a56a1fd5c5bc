import { Schema } from "effect"

export const QuotaCapacitySet = Schema.TaggedStruct("QuotaCapacitySet", {
  capacity: Schema.Int.pipe(Schema.nonNegative()),
  by: Schema.String
})
export const QuotaSlotTaken = Schema.TaggedStruct("QuotaSlotTaken", { subscriptionId: Schema.String })
export const QuotaSlotReleased = Schema.TaggedStruct("QuotaSlotReleased", { subscriptionId: Schema.String })
export const QuotaEvent = Schema.Union(QuotaCapacitySet, QuotaSlotTaken, QuotaSlotReleased)
export type QuotaEvent = typeof QuotaEvent.Type
