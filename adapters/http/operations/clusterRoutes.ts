import { Effect } from "effect"
import * as ClusterAdmin from "../../../application/subscriptions/clusterAdmin.ts"
import { Cluster } from "../../../application/ports/cluster.ts"
import { ok, route } from "../route.ts"
import { Node, pageSlice, Paginated, Pod } from "../responses.ts"
import { PageListQuery } from "../schemas.ts"

export const clusterAdminRoutes = [
  route({
    method: "get", path: "/api/admin/pods", summary: "All managed instances with live status and metrics", tag: "admin", access: "admin", response: Paginated(Pod), query: PageListQuery,
    handle: ({ query }) => Effect.map(ClusterAdmin.listPods(), (p) => ok("Pods", pageSlice(p, query)))
  }),
  route({
    method: "get", path: "/api/admin/pods/orphaned", summary: "Resources no active subscription holds", tag: "admin", access: "admin", response: Paginated(Pod), query: PageListQuery,
    handle: ({ query }) => Effect.map(ClusterAdmin.orphanedPods(), (p) => ok("Orphaned pods", pageSlice(p, query)))
  }),
  route({
    method: "get", path: "/api/admin/nodes", summary: "Cluster nodes and their requested capacity", tag: "admin", access: "admin", response: Paginated(Node), query: PageListQuery,
    handle: ({ query }) => Effect.map(Effect.flatMap(Cluster, (c) => c.nodes), (n) => ok("Nodes", pageSlice(n, query)))
  })
]
