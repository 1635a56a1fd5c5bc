import type { Sql, Tx } from "./client.ts"

/** Events per page: ~2.5 MB of text, a few milliseconds of work on either side. */
export const pageRows = 5_000

/** Connections besides the snapshot's own that build pages side by side (Postgres builds one page on one core). */
const readerConnections = 2

/**
 * The events in (after, upTo] as one JSON text built by Postgres: an array of rows
 * `[position, streamId, version, eventId, type, data, metadata, recordedAt, prevHash, hash]`.
 * Node receives one string per page instead of ten parsed columns per row. Only the free text
 * columns need escaping (to_json); data and metadata are jsonb's own text; the uuid, the numbers,
 * the timestamp and the hex hashes need none. Every column is NOT NULL, so no row drops out of
 * the concatenation.
 */
const selectPage = (tx: Tx, after: number, upTo: number | undefined) =>
  tx<[{ count: number; json: string }]>`
    select count(*)::int as count, '[' || coalesce(string_agg(
      '[' || position || ',' || to_json(stream_id) || ',' || stream_version || ',"' || event_id || '",' || to_json(type) || ','
        || data || ',' || metadata || ',"' || to_char(recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '",'
        || to_json(prev_hash) || ',' || to_json(hash) || ']',
      ',' order by position), '') || ']' as json
    from events where position > ${after} ${upTo === undefined ? tx`` : tx`and position <= ${upTo}`}`.execute()

/** The last position of every full page, in order: one pass over the primary key's index. */
const pageEnds = async (tx: Tx): Promise<Array<number>> =>
  (
    await tx<Array<{ position: number }>>`
    select position from (select position, row_number() over (order by position) as n from events) e
    where n % ${pageRows} = 0 order by position`
  ).map((r) => r.position)

/** More connections in the snapshot `tx` has exported: every one of them sees exactly what it sees. */
const joinSnapshot = async (sql: Sql, tx: Tx, count: number): Promise<Array<Tx>> => {
  if (count === 0) return []
  const [{ id }] = await tx<[{ id: string }]>`select pg_export_snapshot() as id`
  if (!/^[0-9A-F-]+$/i.test(id)) throw new Error(`unexpected snapshot id ${id}`)
  const readers: Array<Tx> = []
  try {
    for (let i = 0; i < count; i++) {
      const reader = (await sql.reserve()) as unknown as Tx
      readers.push(reader)
      await Promise.all([
        reader`begin isolation level repeatable read read only`,
        reader.unsafe(`set transaction snapshot '${id}'`)
      ])
    }
    return readers
  } catch (error) {
    await leave(readers)
    throw error
  }
}

const leave = (readers: ReadonlyArray<Tx>) =>
  Promise.all(
    readers.map(async (reader) => {
      await reader`commit`.catch(() => undefined)
      reader.release()
    })
  )

/**
 * Every event of the snapshot `tx` holds, page by page in position order, each page handed to
 * `onPage` as JSON text (selectPage). The pages' bounds are read first; then up to two pages per
 * connection are built ahead, on `tx` and on reader connections that share its snapshot, while
 * `onPage` works on the current one.
 */
export const forEachPageOf = async (sql: Sql, tx: Tx, onPage: (json: string) => Promise<void>): Promise<void> => {
  const ends = await pageEnds(tx)
  const pages = ends.length + 1 // the last one open-ended, possibly empty
  const poolSize = Number(sql.options.max) || 1
  const readers = await joinSnapshot(sql, tx, Math.max(0, Math.min(readerConnections, pages - 1, poolSize - 1)))
  const connections = [tx, ...readers]
  const ahead: Array<ReturnType<typeof selectPage>> = []
  let requested = 0
  const request = () => {
    const i = requested++
    ahead.push(selectPage(connections[i % connections.length]!, i === 0 ? 0 : ends[i - 1]!, ends[i]))
  }
  try {
    for (let done = 0; done < pages; done++) {
      while (requested < pages && ahead.length < 2 * connections.length) request()
      const [page] = await ahead.shift()!
      const rows = page.count
      if (rows > 0) await onPage(page.json)
      if (done < ends.length && rows !== pageRows)
        throw new Error(`page ${done + 1} holds ${rows} events, not ${pageRows}`)
    }
  } finally {
    await Promise.all(ahead.map((p) => p.catch(() => undefined))) // settled before their transactions end
    await leave(readers)
  }
}
