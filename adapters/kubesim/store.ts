import { randomUUID } from "node:crypto"
import type { Sql } from "../postgres/client.ts"

/** A Kubernetes object as JSON. */
export type Obj = Record<string, any>

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED"

export interface Change {
  readonly type: ChangeType
  readonly resource: string
  readonly namespace: string
  readonly resourceVersion: number
  readonly object: Obj
  /** The object before this change (live changes only; the stored history keeps the new state). */
  readonly previous?: Obj
}

export interface Stored {
  readonly body: Obj
  /** Server-side apply: the last configuration applied by each field manager. */
  readonly applied: Record<string, Obj>
}

/** Reads and writes inside one serialised transaction. */
export interface Tx {
  readonly get: (resource: string, namespace: string, name: string) => Promise<Stored | undefined>
  readonly list: (resource: string, namespace?: string) => Promise<Array<Obj>>
  /** Stores the object (new or changed) under a fresh resourceVersion; returns it as stored. */
  readonly put: (resource: string, body: Obj, applied?: Record<string, Obj>) => Promise<Obj>
  /** Removes the object; the DELETED change carries it with a fresh resourceVersion. */
  readonly remove: (resource: string, body: Obj) => Promise<Obj>
  /** Objects of a namespace whose ownerReferences name this uid. */
  readonly ownedBy: (namespace: string, uid: string) => Promise<Array<{ resource: string; body: Obj }>>
  /** Every object of a namespace. */
  readonly allIn: (namespace: string) => Promise<Array<{ resource: string; body: Obj }>>
}

/** Thrown to roll a dry-run transaction back, carrying its result. */
class DryRun {
  constructor(readonly result: unknown) {}
}

const writeLockKey = 7_310_008 // pg_advisory_xact_lock key of the simulator's writes

const namespaceOf = (body: Obj) => (body["metadata"]?.namespace as string | undefined) ?? ""

/**
 * The simulator's state in Postgres. Every write runs in one transaction under an advisory lock
 * (and a process-local queue), so resourceVersions are assigned, committed and announced to
 * watchers in one order.
 */
export const makeStore = (sql: Sql) => {
  const listeners = new Set<(change: Change) => void>()
  let queue: Promise<unknown> = Promise.resolve()

  const rowToStored = (row: { body: Obj; applied: Record<string, Obj> }): Stored => ({
    body: row.body,
    applied: row.applied
  })

  /** Runs `work` in one serialised transaction; with `dryRun` it is rolled back and nothing is announced. */
  const transact = <A>(work: (tx: Tx) => Promise<A>, options: { readonly dryRun?: boolean } = {}): Promise<A> => {
    const run = async () => {
      const changes: Array<Change> = []
      const result = await sql
        .begin(async (t) => {
          await t`select pg_advisory_xact_lock(${writeLockKey})`
          const nextRv = async () =>
            Number((await t<Array<{ rv: string }>>`select nextval('kubesim_resource_version')::text as rv`)[0]!.rv)
          const record = async (type: ChangeType, resource: string, body: Obj, rv: number, previous?: Obj) => {
            await t`insert into kubesim_changes (resource_version, resource, namespace, type, body)
            values (${rv}, ${resource}, ${namespaceOf(body)}, ${type}, ${t.json(body as never)})`
            changes.push({
              type,
              resource,
              namespace: namespaceOf(body),
              resourceVersion: rv,
              object: body,
              ...(previous === undefined ? {} : { previous })
            })
          }
          const tx: Tx = {
            get: async (resource, namespace, name) => {
              const rows = await t<
                Array<{ body: Obj; applied: Record<string, Obj> }>
              >`select body, applied from kubesim_objects
              where resource = ${resource} and namespace = ${namespace} and name = ${name}`
              return rows[0] ? rowToStored(rows[0]) : undefined
            },
            list: async (resource, namespace) => {
              const rows =
                namespace === undefined
                  ? await t<
                      Array<{ body: Obj }>
                    >`select body from kubesim_objects where resource = ${resource} order by namespace, name`
                  : await t<
                      Array<{ body: Obj }>
                    >`select body from kubesim_objects where resource = ${resource} and namespace = ${namespace} order by name`
              return rows.map((r) => r.body)
            },
            put: async (resource, body, applied) => {
              const rv = await nextRv()
              const metadata = body["metadata"] as Obj
              const stored: Obj = {
                ...body,
                metadata: { ...metadata, uid: metadata["uid"] ?? randomUUID(), resourceVersion: String(rv) }
              }
              const [row] = await t<Array<{ inserted: boolean; previous: Obj | null }>>`with old as (
                select body from kubesim_objects where resource = ${resource} and namespace = ${namespaceOf(stored)} and name = ${stored["metadata"].name}
              )
              insert into kubesim_objects (resource, namespace, name, uid, resource_version, body, applied)
              values (${resource}, ${namespaceOf(stored)}, ${stored["metadata"].name}, ${stored["metadata"].uid}, ${rv}, ${t.json(stored as never)}, ${t.json((applied ?? {}) as never)})
              on conflict (resource, namespace, name) do update set resource_version = excluded.resource_version, body = excluded.body,
                applied = case when ${applied === undefined} then kubesim_objects.applied else excluded.applied end
              returning (xmax = 0) as inserted, (select body from old) as previous`
              await record(row!.inserted ? "ADDED" : "MODIFIED", resource, stored, rv, row!.previous ?? undefined)
              return stored
            },
            remove: async (resource, body) => {
              const rv = await nextRv()
              const stored: Obj = { ...body, metadata: { ...body["metadata"], resourceVersion: String(rv) } }
              await t`delete from kubesim_objects where resource = ${resource} and namespace = ${namespaceOf(body)} and name = ${body["metadata"].name}`
              await record("DELETED", resource, stored, rv)
              return stored
            },
            ownedBy: (namespace, uid) =>
              t<Array<{ resource: string; body: Obj }>>`select resource, body from kubesim_objects
              where namespace = ${namespace} and body->'metadata'->'ownerReferences' @> ${t.json([{ uid }] as never)}`,
            allIn: (namespace) =>
              t<
                Array<{ resource: string; body: Obj }>
              >`select resource, body from kubesim_objects where namespace = ${namespace} order by resource, name`
          }
          const done = await work(tx)
          if (options.dryRun === true) throw new DryRun(done)
          return done
        })
        .catch((error: unknown) => {
          if (!(error instanceof DryRun)) throw error
          changes.length = 0
          return error.result
        })
      for (const change of changes) for (const listener of listeners) listener(change)
      return result as A
    }
    const next = queue.then(run, run)
    queue = next.catch(() => undefined)
    return next
  }

  return {
    transact,
    get: async (resource: string, namespace: string, name: string): Promise<Stored | undefined> => {
      const rows = await sql<
        Array<{ body: Obj; applied: Record<string, Obj> }>
      >`select body, applied from kubesim_objects
        where resource = ${resource} and namespace = ${namespace} and name = ${name}`
      return rows[0] ? rowToStored(rows[0]) : undefined
    },
    /** Objects and the list's resourceVersion, read in one snapshot. */
    list: async (resource: string, namespace?: string): Promise<{ items: Array<Obj>; resourceVersion: number }> => {
      const [rows, [latest]] = (await sql.begin("isolation level repeatable read", (t) => [
        namespace === undefined
          ? t<
              Array<{ body: Obj }>
            >`select body from kubesim_objects where resource = ${resource} order by namespace, name`
          : t<
              Array<{ body: Obj }>
            >`select body from kubesim_objects where resource = ${resource} and namespace = ${namespace} order by name`,
        t<Array<{ rv: string | null }>>`select max(resource_version)::text as rv from kubesim_changes`
      ])) as unknown as [Array<{ body: Obj }>, Array<{ rv: string | null }>]
      return { items: rows.map((r) => r.body), resourceVersion: Number(latest?.rv ?? 0) }
    },
    /** Changes after a resourceVersion, or "expired" when some were pruned (410 Gone). */
    changesSince: async (
      resource: string,
      namespace: string | undefined,
      after: number
    ): Promise<Array<Change> | "expired"> => {
      const [compaction] = await sql<Array<{ compacted_rv: number }>>`select compacted_rv from kubesim_compaction`
      if (after < (compaction?.compacted_rv ?? 0)) return "expired"
      const rows = await sql<
        Array<{ resource_version: number; resource: string; namespace: string; type: ChangeType; body: Obj }>
      >`
        select resource_version, resource, namespace, type, body from kubesim_changes
        where resource_version > ${after} and resource = ${resource} ${namespace === undefined ? sql`` : sql`and namespace = ${namespace}`}
        order by resource_version`
      return rows.map((r) => ({
        type: r.type,
        resource: r.resource,
        namespace: r.namespace,
        resourceVersion: r.resource_version,
        object: r.body
      }))
    },
    /** Keeps the newest `keep` changes; watches from before them get 410 Gone. */
    compact: async (keep: number) =>
      sql.begin(async (t) => {
        const [edge] = await t<
          Array<{ rv: number | null }>
        >`select resource_version as rv from kubesim_changes order by resource_version desc offset ${keep} limit 1`
        if (edge?.rv == null) return
        await t`delete from kubesim_changes where resource_version <= ${edge.rv}`
        await t`update kubesim_compaction set compacted_rv = greatest(compacted_rv, ${edge.rv})`
      }),
    subscribe: (listener: (change: Change) => void) => {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    }
  }
}

export type Store = ReturnType<typeof makeStore>
