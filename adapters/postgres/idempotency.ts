import { Effect, Layer } from "effect"
import { IdempotencyStore, idempotencyKeyTtlMs } from "../../application/ports/idempotency.ts"
import { instanceIdOf, Pg } from "./client.ts"

const abandonedAfterMs = 5 * 60 * 1000

/**
 * Claims carry the claiming process's instance id, which names its connections
 * (`application_name = minispod:<id>`). When that process dies (even kill -9) Postgres drops its
 * connections, so a claim whose request never committed is retakable at once. A claim whose
 * owner is alive but which recorded nothing is still retaken after five minutes.
 */
export const IdempotencyStorePostgres = Layer.effect(
  IdempotencyStore,
  Effect.map(Pg, (sql) => {
    const owner = instanceIdOf(sql)
    return IdempotencyStore.of({
      claim: (scope, key, requestHash, now) =>
        Effect.promise(async () => {
          // A key older than its 24 hours is forgotten: the same key is then a new request.
          await sql`delete from idempotency_keys
            where scope = ${scope} and key = ${key} and created_at < ${new Date(now.getTime() - idempotencyKeyTtlMs)}`
          const inserted = await sql`
            insert into idempotency_keys (scope, key, request_hash, created_at, owner)
            values (${scope}, ${key}, ${requestHash}, ${now}, ${owner}) on conflict do nothing`
          if (inserted.count === 1) return { _tag: "Claimed" as const }
          const retaken = await sql`
            update idempotency_keys k set created_at = ${now}, owner = ${owner}
            where scope = ${scope} and key = ${key} and request_hash = ${requestHash} and status is null
              and (created_at < ${new Date(now.getTime() - abandonedAfterMs)}
                or (k.owner is not null and not exists (
                  select 1 from pg_stat_activity a where a.application_name = 'minispod:' || k.owner::text)))`
          if (retaken.count === 1) return { _tag: "Claimed" as const }
          const [row] = await sql<
            Array<{ request_hash: string; status: number | null; body_text: string | null; body: unknown }>
          >`
            select request_hash, status, body_text, body from idempotency_keys where scope = ${scope} and key = ${key}`
          if (row === undefined) return { _tag: "InProgress" as const } // released in between: let the client retry
          if (row.request_hash !== requestHash) return { _tag: "Mismatch" as const }
          if (row.status === null) return { _tag: "InProgress" as const }
          // Rows written before body_text existed replay their JSON (same content, keys possibly reordered).
          return { _tag: "Replay" as const, status: row.status, body: row.body_text ?? JSON.stringify(row.body) }
        }),
      complete: (scope, key, status, body) =>
        Effect.promise(
          () =>
            sql`update idempotency_keys set status = ${status}, body_text = ${body}
            where scope = ${scope} and key = ${key}`
        ).pipe(Effect.asVoid),
      release: (scope, key) =>
        Effect.promise(
          () => sql`delete from idempotency_keys where scope = ${scope} and key = ${key} and status is null`
        ).pipe(Effect.asVoid)
    })
  })
)
