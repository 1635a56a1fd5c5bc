import { Schema } from "effect"

/** An administrator holds the instance in maintenance: its owner cannot start, stop or restart it meanwhile. */
export class InstanceInMaintenance extends Schema.TaggedError<InstanceInMaintenance>()("InstanceInMaintenance", {
  subscriptionId: Schema.String,
  reason: Schema.String
}) {}
