import { Effect, Schema } from "effect"
import * as ClusterAdmin from "../../../application/subscription/clusterAdmin.ts"
import { Cluster } from "../../../application/ports/cluster.ts"
import { ok, route } from "../route.ts"
import { Node, pageSlice, Paginated, Pod } from "../responses.ts"
import { PageListQuery, PageQuery } from "../schemas.ts"

const Filter = Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(200))
const PodsQuery = Schema.Struct({
  ...PageQuery,
  userId: Schema.optional(Filter.annotations({ description: "the owner's id" })),
  service: Schema.optional(Filter.annotations({ description: "a service slug or id" })),
  status: Schema.optional(Filter.annotations({ description: "instance status (RUNNING, STOPPED, …)" })),
  node: Schema.optional(Filter.annotations({ description: "the node the app pod runs on" }))
})

export const clusterAdminRoutes = [
  route({
    method: "get",
    path: "/api/admin/pods",
    summary:
      "All managed instances with node placement, status, restarts and live metrics; filters userId, service, status, node",
    tag: "admin",
    access: "admin",
    response: Paginated(Pod),
    query: PodsQuery,
    handle: ({ query }) => Effect.map(ClusterAdmin.listPods(query), (p) => ok("Pods", pageSlice(p, query)))
  }),
  route({
    method: "get",
    path: "/api/admin/pods/orphaned",
    summary: "Resources no active subscription holds",
    tag: "admin",
    access: "admin",
    response: Paginated(Pod),
    query: PageListQuery,
    handle: ({ query }) => Effect.map(ClusterAdmin.orphanedPods(), (p) => ok("Orphaned pods", pageSlice(p, query)))
  }),
  route({
    method: "get",
    path: "/api/admin/nodes",
    summary: "Cluster nodes: capacity, allocatable, conditions, requests, pod count, live usage, cordoned or not",
    tag: "admin",
    access: "admin",
    response: Paginated(Node),
    query: PageListQuery,
    handle: ({ query }) =>
      Effect.map(
        Effect.flatMap(Cluster, (c) => c.nodes),
        (nodes) =>
          ok(
            "Nodes",
            pageSlice(
              nodes.map(({ usage, usageUnavailable, ...n }) => ({
                ...n,
                usage: usage ?? null,
                usageReason: usageUnavailable ?? null
              })),
              query
            )
          )
      )
  })
]
