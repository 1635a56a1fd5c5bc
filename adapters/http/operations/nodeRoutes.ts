import { Effect, Schema } from "effect"
import { type NodeAction, operateNode } from "../../../application/operations/nodes.ts"
import { ok, route } from "../route.ts"
import { ReasonBody } from "../schemas.ts"

/** Node operations (issue 13 §4): administrators cordon, uncordon or drain a node of the cluster. */

const NodeParams = Schema.Struct({
  name: Schema.String.pipe(
    Schema.pattern(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, { message: () => "must be a node name (DNS subdomain)" })
  )
})
const NodeBody = Schema.Struct({ reason: Schema.optional(ReasonBody.fields.reason) })
const NodeOperation = Schema.Struct({
  node: Schema.String,
  action: Schema.Literal("cordon", "uncordon", "drain"),
  unschedulable: Schema.Boolean,
  evicted: Schema.Array(Schema.Struct({ namespace: Schema.String, name: Schema.String })).annotations({
    description: "drain: the pods evicted (their controllers recreate them on other nodes)"
  })
}).annotations({ identifier: "NodeOperation" })

const summaries: Readonly<Record<NodeAction, string>> = {
  cordon: "Cordon a node: no new pods are scheduled there (reason optional, audited)",
  uncordon: "Uncordon a node: pods may be scheduled there again (reason optional, audited)",
  drain: "Drain a node: cordon it, then evict every pod on it (reason optional, audited)"
}

const nodeRoute = (action: NodeAction) =>
  route({
    method: "post",
    path: `/api/admin/nodes/:name/${action}`,
    summary: summaries[action],
    tag: "admin",
    access: "admin",
    params: NodeParams,
    body: NodeBody,
    response: NodeOperation,
    handle: ({ principal, params, body }) =>
      Effect.map(
        operateNode(principal.userId, params.name, action, body.reason ?? `${action} by an administrator`),
        (r) => ok(`Node ${action === "drain" ? "drained" : `${action}ed`}`, r)
      )
  })

export const nodeRoutes = [nodeRoute("cordon"), nodeRoute("uncordon"), nodeRoute("drain")]
