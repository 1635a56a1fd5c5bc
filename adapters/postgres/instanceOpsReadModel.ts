import { Effect, Layer, Schema } from "effect"
import { InstanceOpsQueries } from "../../application/ports/instanceOps.ts"
import { InstanceOpsEvent } from "../../domain/operations/index.ts"
import { Pg } from "./client.ts"
import { eventTypesOf, projection } from "./projection.ts"

const decode = Schema.decodeUnknownSync(InstanceOpsEvent)
const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null)

/** Inline projection into `instance_ops` (one upsert per event). */
export const instanceOpsProjection = projection("instance-ops", eventTypesOf(InstanceOpsEvent), (tx, events) =>
  events.map((recorded) => {
    const event = decode(recorded.data)
    const id = event.subscriptionId
    const at = new Date(event.at)
    switch (event._tag) {
      case "InstanceHealthChanged":
        return tx`insert into instance_ops (subscription_id, health_status, health_reason, health_changed_at) values (${id}, ${event.status}, ${event.reason}, ${at})
          on conflict (subscription_id) do update set health_status = excluded.health_status, health_reason = excluded.health_reason, health_changed_at = excluded.health_changed_at`
      case "InstanceDriftRepaired":
        return tx`insert into instance_ops (subscription_id, last_repair, last_repair_at) values (${id}, ${event.repair}, ${at})
          on conflict (subscription_id) do update set last_repair = excluded.last_repair, last_repair_at = excluded.last_repair_at`
      case "MaintenanceStarted":
        return tx`insert into instance_ops (subscription_id, maintenance_by, maintenance_reason, maintenance_since) values (${id}, ${event.by}, ${event.reason}, ${at})
          on conflict (subscription_id) do update set maintenance_by = excluded.maintenance_by, maintenance_reason = excluded.maintenance_reason, maintenance_since = excluded.maintenance_since`
      case "MaintenanceEnded":
        return tx`update instance_ops set maintenance_by = null, maintenance_reason = null, maintenance_since = null where subscription_id = ${id}`
    }
  })
)

const toRun = (r: Record<string, any>) => ({
  replica: r["replica"],
  startedAt: r["started_at"].toISOString(),
  finishedAt: r["finished_at"].toISOString(),
  checked: r["checked"],
  repaired: r["repaired"],
  healthChanges: r["health_changes"],
  failed: r["failed"]
})

export const InstanceOpsQueriesPostgres = Layer.effect(
  InstanceOpsQueries,
  Effect.map(Pg, (sql) =>
    InstanceOpsQueries.of({
      find: (id) =>
        Effect.promise(async () => {
          if (!uuidShape.test(id)) return undefined
          const [row] = await sql`select o.*, c.checked_at from (select ${id}::uuid as id) k
            left join instance_ops o on o.subscription_id = k.id left join instance_health_checks c on c.subscription_id = k.id`
          if (row === undefined || (row["subscription_id"] === null && row["checked_at"] === null)) return undefined
          return {
            subscriptionId: id,
            healthStatus: row["health_status"] ?? null,
            healthReason: row["health_reason"] ?? null,
            healthChangedAt: iso(row["health_changed_at"]),
            lastHealthCheck: iso(row["checked_at"]),
            maintenance: row["maintenance_by"]
              ? {
                  by: row["maintenance_by"],
                  reason: row["maintenance_reason"],
                  since: row["maintenance_since"].toISOString()
                }
              : null,
            lastRepair: row["last_repair"]
              ? { repair: row["last_repair"], at: row["last_repair_at"].toISOString() }
              : null
          }
        }),
      healthCounts: Effect.promise(async () => {
        const rows = await sql<Array<{ health_status: string; n: number }>>`
          select o.health_status, count(*)::int as n from instance_ops o join subscriptions s on s.id = o.subscription_id
          where o.health_status is not null and s.status = 'ACTIVE' group by o.health_status`
        return Object.fromEntries(rows.map((r) => [r.health_status, r.n]))
      }),
      markChecked: (ids, at) =>
        Effect.promise(async () => {
          if (ids.length > 0)
            await sql`insert into instance_health_checks (subscription_id, checked_at)
            select id, ${at} from unnest(${ids as Array<string>}::uuid[]) as t(id)
            on conflict (subscription_id) do update set checked_at = excluded.checked_at`
        }),
      // The newest 1,000 runs are kept (about 17 hours at the default pace): enough for lag and recent history.
      recordRun: (run) =>
        Effect.promise(async () => {
          const [row] = await sql<
            Array<{ id: number }>
          >`insert into reconciliation_runs (replica, started_at, finished_at, checked, repaired, health_changes, failed)
            values (${run.replica}, ${new Date(run.startedAt)}, ${new Date(run.finishedAt)}, ${run.checked}, ${run.repaired}, ${run.healthChanges}, ${run.failed}) returning id`
          await sql`delete from reconciliation_runs where id <= ${row!.id - 1000}`
        }),
      lastRun: Effect.promise(async () => {
        const [row] = await sql`select * from reconciliation_runs order by id desc limit 1`
        return row === undefined ? undefined : toRun(row)
      })
    })
  )
)
