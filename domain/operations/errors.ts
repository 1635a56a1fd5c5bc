import { Schema } from "effect"

/** No node of that name in the cluster. */
export class NodeNotFound extends Schema.TaggedError<NodeNotFound>()("NodeNotFound", {
  node: Schema.String
}) {}

/** An administrator holds the instance in maintenance: its owner cannot start, stop or restart it meanwhile. */
export class InstanceInMaintenance extends Schema.TaggedError<InstanceInMaintenance>()("InstanceInMaintenance", {
  subscriptionId: Schema.String,
  reason: Schema.String
}) {}
