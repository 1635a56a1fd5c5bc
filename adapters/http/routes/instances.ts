import { Effect } from "effect"
import { controlInstance, instanceMetrics, reconfigureInstance, retryProvisioning } from "../../../application/subscriptions/provisioning.ts"
import { ownSubscription } from "../../../application/subscriptions/useCases.ts"
import type { SubscriptionView } from "../../../application/ports/subscriptionQueries.ts"
import { SubscriptionQueries } from "../../../application/ports/subscriptionQueries.ts"
import { ok, route } from "../route.ts"
import { Instance, InstanceMetrics, InstanceStatus, Paginated } from "../responses.ts"
import { IdParams, InstanceUpdateBody, SubscriptionListQuery } from "../schemas.ts"
import { pageOf } from "./wallet.ts"

/** An instance is 1:1 with its subscription and shares its id. */
const instanceView = (s: SubscriptionView) => ({
  id: s.id,
  subscriptionId: s.id,
  name: s.displayName,
  resourceName: s.instanceName,
  status: s.instanceStatus,
  error: s.instanceError,
  planId: s.planId,
  serviceId: s.serviceId,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt
})

const control = (path: string, method: "put" | "post", action: "stop" | "start" | "restart", summary: string) =>
  route({
    method, path, summary, tag: "instances", access: "user", params: IdParams, response: Instance,
    handle: ({ principal, params }) => Effect.map(controlInstance(principal.userId, params.id, action), (s) => ok(`Instance ${action} requested`, instanceView(s)))
  })

export const instanceRoutes = [
  control("/api/subscriptions/:id/stop", "put", "stop", "Stop the instance (scale to 0): RUNNING → STOPPING → STOPPED"),
  control("/api/subscriptions/:id/start", "put", "start", "Start a stopped instance: STOPPED → STARTING → RUNNING"),
  control("/api/subscriptions/:id/restart", "post", "restart", "Rolling restart: RUNNING → RESTARTING → RUNNING"),
  control("/api/instances/:id/stop", "put", "stop", "Stop the instance"),
  control("/api/instances/:id/start", "put", "start", "Start the instance"),
  control("/api/instances/:id/restart", "put", "restart", "Restart the instance"),
  route({
    method: "post", path: "/api/subscriptions/:id/retry-provisioning", summary: "Provision again after ERROR or TERMINATED (charged like a new month)", tag: "instances",
    access: "user", response: Instance, params: IdParams, idempotent: true,
    handle: ({ principal, params, requestId }) => Effect.map(retryProvisioning(principal.userId, params.id, { actor: principal.userId, correlationId: requestId }), (s) => ok("Provisioning retried", instanceView(s)))
  }),
  route({
    method: "get", path: "/api/subscriptions/:id/metrics", summary: "CPU and memory of the instance", tag: "instances", access: "user", response: InstanceMetrics, params: IdParams,
    handle: ({ principal, params }) => Effect.map(instanceMetrics(principal.userId, params.id), (m) => ok("Metrics", m))
  }),
  route({
    method: "get", path: "/api/instances", summary: "The caller's instances", tag: "instances", access: "user", response: Paginated(Instance), query: SubscriptionListQuery,
    handle: ({ principal, query }) => Effect.map(Effect.flatMap(SubscriptionQueries, (q) => q.listByUser(principal.userId, query.page, query.limit)),
      (p) => ok("Instances", pageOf(p.items.map(instanceView), p.total, query.page, query.limit)))
  }),
  route({
    method: "get", path: "/api/instances/:id", summary: "One of the caller's instances", tag: "instances", access: "user", response: Instance, params: IdParams,
    handle: ({ principal, params }) => Effect.map(ownSubscription(principal.userId, params.id), (s) => ok("Instance", instanceView(s)))
  }),
  route({
    method: "put", path: "/api/instances/:id", summary: "Rename the instance and set environment variables (a running instance restarts)", tag: "instances",
    access: "user", response: Instance, params: IdParams, body: InstanceUpdateBody,
    handle: ({ principal, params, body }) => Effect.map(reconfigureInstance(principal.userId, params.id, { displayName: body.name, env: body.env }), (s) => ok("Instance updated", instanceView(s)))
  }),
  route({
    method: "get", path: "/api/instances/:id/status", summary: "An instance's status", tag: "instances", access: "user", response: InstanceStatus, params: IdParams,
    handle: ({ principal, params }) => Effect.map(ownSubscription(principal.userId, params.id), (s) => ok("Instance status", { id: s.id, status: s.instanceStatus, error: s.instanceError }))
  })
]
