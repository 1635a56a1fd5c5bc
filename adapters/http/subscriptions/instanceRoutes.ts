import { Effect } from "effect"
import {
  controlInstance,
  instanceCredentials,
  instanceMetrics,
  reconfigureInstance
} from "../../../application/subscription/instances.ts"
import { retryProvisioning } from "../../../application/subscription/provisioning.ts"
import { cancelSubscription, ownSubscription, subscribe } from "../../../application/subscription/useCases.ts"
import { instanceView, instanceViews } from "../../../application/subscription/views.ts"
import { SubscriptionQueries } from "../../../application/ports/subscriptionQueries.ts"
import { ok, route } from "../route.ts"
import { Instance, InstanceCredentials, InstanceMetrics, InstanceStatus, pageOf, Paginated } from "../responses.ts"
import { IdParams, PageListQuery } from "../schemas.ts"
import { InstanceCreateBody, InstanceUpdateBody } from "./schemas.ts"

// An instance is 1:1 with its subscription and shares its id (views.ts builds both views).

const control = (path: string, method: "put" | "post", action: "stop" | "start" | "restart", summary: string) =>
  route({
    method,
    path,
    summary,
    tag: "instances",
    access: "user",
    params: IdParams,
    response: Instance,
    handle: ({ principal, params }) =>
      Effect.flatMap(controlInstance(principal.userId, params.id, action), instanceView).pipe(
        Effect.map((v) => ok(`Instance ${action} requested`, v))
      )
  })

export const instanceRoutes = [
  control("/api/subscriptions/:id/stop", "put", "stop", "Stop the instance (scale to 0): RUNNING → STOPPING → STOPPED"),
  control("/api/subscriptions/:id/start", "put", "start", "Start a stopped instance: STOPPED → STARTING → RUNNING"),
  control("/api/subscriptions/:id/restart", "post", "restart", "Rolling restart: RUNNING → RESTARTING → RUNNING"),
  control("/api/instances/:id/stop", "put", "stop", "Stop the instance"),
  control("/api/instances/:id/start", "put", "start", "Start the instance"),
  control("/api/instances/:id/restart", "put", "restart", "Restart the instance"),
  route({
    method: "post",
    path: "/api/subscriptions/:id/retry-provisioning",
    summary: "Provision again after ERROR or TERMINATED (charged like a new month)",
    tag: "instances",
    access: "user",
    response: Instance,
    params: IdParams,
    idempotent: true,
    handle: ({ principal, params, requestId }) =>
      Effect.flatMap(
        retryProvisioning(principal.userId, params.id, { actor: principal.userId, correlationId: requestId }),
        instanceView
      ).pipe(Effect.map((v) => ok("Provisioning retried", v)))
  }),
  route({
    method: "get",
    path: "/api/subscriptions/:id/metrics",
    summary: "CPU and memory of the instance",
    tag: "instances",
    access: "user",
    response: InstanceMetrics,
    params: IdParams,
    handle: ({ principal, params }) => Effect.map(instanceMetrics(principal.userId, params.id), (m) => ok("Metrics", m))
  }),
  route({
    method: "get",
    path: "/api/instances",
    summary: "The caller's instances",
    tag: "instances",
    access: "user",
    response: Paginated(Instance),
    query: PageListQuery,
    handle: ({ principal, query }) =>
      Effect.gen(function* () {
        const p = yield* (yield* SubscriptionQueries).listByUser(principal.userId, query.page, query.limit)
        return ok("Instances", pageOf(yield* instanceViews(p.items), p.total, query.page, query.limit))
      })
  }),
  route({
    method: "post",
    path: "/api/instances",
    summary:
      "Create an instance: subscribes to the plan (same rules, charge, coupon, quota and errors as POST /api/subscriptions)",
    tag: "instances",
    access: "user",
    response: Instance,
    body: InstanceCreateBody,
    idempotent: true,
    handle: ({ principal, body, requestId }) =>
      Effect.map(
        Effect.flatMap(
          subscribe(
            {
              userId: principal.userId,
              planId: body.planId,
              couponCode: body.couponCode,
              instanceName: body.name,
              autoRenew: body.autoRenew
            },
            { actor: principal.userId, correlationId: requestId }
          ),
          instanceView
        ),
        (v) => ok("Instance created", v, 201)
      )
  }),
  route({
    method: "delete",
    path: "/api/instances/:id",
    summary:
      "Delete an instance: cancels its subscription now, the unused part of the period refunded (as DELETE /api/subscriptions/:id)",
    tag: "instances",
    access: "user",
    response: Instance,
    params: IdParams,
    handle: ({ principal, params, requestId }) =>
      Effect.map(
        Effect.flatMap(
          cancelSubscription(
            principal.userId,
            params.id,
            { by: principal.userId, reason: "instance deleted by the user", refund: "prorated" },
            { actor: principal.userId, correlationId: requestId }
          ),
          instanceView
        ),
        (v) => ok("Instance deleted", v)
      )
  }),
  route({
    method: "get",
    path: "/api/instances/:id",
    summary: "One of the caller's instances",
    tag: "instances",
    access: "user",
    response: Instance,
    params: IdParams,
    handle: ({ principal, params }) =>
      Effect.flatMap(ownSubscription(principal.userId, params.id), instanceView).pipe(
        Effect.map((v) => ok("Instance", v))
      )
  }),
  route({
    method: "put",
    path: "/api/instances/:id",
    summary: "Rename the instance and set environment variables (a running instance restarts)",
    tag: "instances",
    access: "user",
    response: Instance,
    params: IdParams,
    body: InstanceUpdateBody,
    handle: ({ principal, params, body }) =>
      Effect.flatMap(
        reconfigureInstance(principal.userId, params.id, { displayName: body.name, env: body.env ?? body.envVars }),
        instanceView
      ).pipe(Effect.map((v) => ok("Instance updated", v)))
  }),
  route({
    method: "get",
    path: "/api/instances/:id/status",
    summary: "An instance's status",
    tag: "instances",
    access: "user",
    response: InstanceStatus,
    params: IdParams,
    handle: ({ principal, params }) =>
      Effect.flatMap(ownSubscription(principal.userId, params.id), instanceView).pipe(
        Effect.map((v) =>
          ok("Instance status", {
            id: v.id,
            status: v.status,
            error: v.error,
            publicUrl: v.publicUrl,
            adminUrl: v.adminUrl,
            namespace: v.namespace,
            lastStartedAt: v.lastStartedAt,
            lastStoppedAt: v.lastStoppedAt,
            healthStatus: v.healthStatus,
            healthReason: v.healthReason,
            lastHealthCheck: v.lastHealthCheck
          })
        )
      )
  }),
  route({
    method: "get",
    path: "/api/instances/:id/credentials",
    summary: "The generated secrets of the caller's instance (database passwords, keys); never logged",
    tag: "instances",
    access: "user",
    response: InstanceCredentials,
    params: IdParams,
    handle: ({ principal, params }) =>
      Effect.map(instanceCredentials(principal.userId, params.id), (c) => ok("Instance credentials", c))
  })
]
