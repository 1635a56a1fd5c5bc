import { Effect, Schema } from "effect"
import { adminControlInstance, adminSubscriptionDetail, setMaintenance } from "../../../application/operations/admin.ts"
import { operationsHealth } from "../../../application/operations/health.ts"
import { runReconciliation } from "../../../application/operations/reconciliation.ts"
import { cleanupOrphans } from "../../../application/subscription/clusterAdmin.ts"
import { HealthStatus } from "../../../domain/operations/index.ts"
import { ok, route } from "../route.ts"
import { ClusterHealth, OrphanCleanup, Subscription, SubscriptionTransaction } from "../responses.ts"
import { IdParams, ReasonBody } from "../schemas.ts"

/** Routes of the operating side (issue 13): health, the reconciliation loop, orphans, administrators acting on tenants' instances. */

const Iso = Schema.String.annotations({ format: "date-time" })
const Part = Schema.Struct({ ok: Schema.Boolean, reason: Schema.NullOr(Schema.String) })
const Counts = Schema.Struct({
  checked: Schema.Int,
  reapplied: Schema.Int,
  scaledUp: Schema.Int,
  scaledDown: Schema.Int,
  healthChanges: Schema.Int,
  failed: Schema.Int
})
const Run = Schema.Struct({
  replica: Schema.String,
  startedAt: Iso,
  finishedAt: Iso,
  checked: Schema.Int,
  repaired: Schema.Int,
  healthChanges: Schema.Int,
  failed: Schema.Int
})
const OperationsHealth = Schema.Struct({
  ...ClusterHealth.fields,
  database: Part,
  clusterApi: Part,
  metricsApi: Schema.Struct({ available: Schema.Boolean, reason: Schema.NullOr(Schema.String) }),
  scheduler: Schema.Struct({
    leader: Schema.NullOr(Schema.String).annotations({
      description: "the replica that ran the reconciliation loop last"
    }),
    thisReplica: Schema.String
  }),
  reconciliation: Schema.Struct({
    lastRunAt: Schema.NullOr(Iso),
    lagSeconds: Schema.NullOr(Schema.Int),
    lastRun: Schema.NullOr(Run)
  }),
  instanceHealth: Schema.Record({ key: Schema.String, value: Schema.Int })
}).annotations({ identifier: "OperationsHealth" })

const InstanceOperations = Schema.Struct({
  subscriptionId: Schema.String,
  healthStatus: Schema.NullOr(HealthStatus),
  healthReason: Schema.NullOr(Schema.String),
  healthChangedAt: Schema.NullOr(Iso),
  lastHealthCheck: Schema.NullOr(Iso),
  maintenance: Schema.NullOr(Schema.Struct({ by: Schema.String, reason: Schema.String, since: Iso })),
  lastRepair: Schema.NullOr(Schema.Struct({ repair: Schema.String, at: Iso }))
}).annotations({ identifier: "InstanceOperations" })

const RecordedEvent = Schema.Struct({
  position: Schema.Int,
  streamId: Schema.String,
  type: Schema.String,
  data: Schema.Unknown,
  metadata: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  recordedAt: Iso
})
const AdminSubscriptionDetail = Schema.Struct({
  subscription: Subscription,
  operations: Schema.NullOr(InstanceOperations),
  events: Schema.Array(RecordedEvent),
  transactions: Schema.Array(SubscriptionTransaction)
}).annotations({ identifier: "AdminSubscriptionDetail" })
const MaintenanceResult = Schema.Struct({ subscription: Subscription, operations: Schema.NullOr(InstanceOperations) })

const Reason = ReasonBody.fields.reason
const MaintenanceBody = Schema.Struct({ enabled: Schema.Boolean, reason: Reason })
const OrphanCleanupBody = Schema.Struct({
  confirm: Schema.Boolean,
  reason: Schema.optionalWith(Reason, { default: () => "orphan cleanup" }),
  resources: Schema.optional(
    Schema.Array(Schema.Struct({ namespace: Schema.String, name: Schema.String }))
      .pipe(Schema.maxItems(1000))
      .annotations({
        description: "the orphans the administrator was shown (GET /api/admin/pods/orphaned); only these are deleted"
      })
  )
})

const control = (action: "restart" | "stop" | "start") =>
  route({
    method: "put",
    path: `/api/admin/instances/:id/${action}`,
    summary: `${action[0]!.toUpperCase()}${action.slice(1)} any tenant's instance (also in maintenance); reason required`,
    tag: "admin",
    access: "admin",
    params: IdParams,
    body: ReasonBody,
    response: Subscription,
    handle: ({ principal, params, body }) =>
      Effect.map(adminControlInstance(principal.userId, params.id, action, body.reason), (s) =>
        ok(`Instance ${action} requested`, s)
      )
  })

export const operationsRoutes = [
  route({
    method: "get",
    path: "/api/admin/health",
    summary: "Database, cluster API, metrics API, loop leader and lag, instance health counts, nodes, orphans",
    tag: "admin",
    access: "admin",
    response: OperationsHealth,
    handle: () => Effect.map(operationsHealth(), (h) => ok("Health", h))
  }),
  route({
    method: "post",
    path: "/api/admin/instances/reconcile",
    summary: "Run the reconciliation loop now (only if no other replica is running it)",
    tag: "admin",
    access: "admin",
    response: Schema.Struct({ ran: Schema.Boolean, counts: Schema.NullOr(Counts) }),
    handle: () => Effect.map(runReconciliation(), (r) => ok(r.ran ? "Reconciled" : "Another replica is reconciling", r))
  }),
  route({
    method: "post",
    path: "/api/admin/pods/orphaned/cleanup",
    summary: "Remove orphaned resources (body: {confirm: true}); audited",
    tag: "admin",
    access: "admin",
    response: OrphanCleanup,
    body: OrphanCleanupBody,
    handle: ({ principal, body }) =>
      Effect.map(
        cleanupOrphans(body.confirm, { adminId: principal.userId, reason: body.reason }, body.resources),
        (r) => ok("Orphans removed", r)
      )
  }),
  route({
    method: "get",
    path: "/api/admin/subscriptions/:id",
    summary: "Any subscription with its instance's operating state, events and transactions",
    tag: "admin",
    access: "admin",
    params: IdParams,
    response: AdminSubscriptionDetail,
    handle: ({ params }) => Effect.map(adminSubscriptionDetail(params.id), (d) => ok("Subscription", d))
  }),
  control("restart"),
  control("stop"),
  control("start"),
  route({
    method: "put",
    path: "/api/admin/instances/:id/maintenance",
    summary: "Maintenance on or off: meanwhile the owner cannot start, stop or restart it",
    tag: "admin",
    access: "admin",
    params: IdParams,
    body: MaintenanceBody,
    response: MaintenanceResult,
    handle: ({ principal, params, body }) =>
      Effect.map(setMaintenance(principal.userId, params.id, body.enabled, body.reason), (r) =>
        ok(body.enabled ? "Maintenance started" : "Maintenance ended", r)
      )
  })
]
