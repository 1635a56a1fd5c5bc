import type { EventMetadata, RecordedEvent } from "../../application/ports/eventStore.ts"

/**
 * The events of a `COPY (select …) TO STDOUT (FORMAT binary)`, decoded straight from the bytes
 * Postgres sends: one small object per event instead of postgres.js's per-column parsing and
 * row object, and no Postgres text conversion of the integers. The columns, in this order:
 * position int8, stream_id text, stream_version int4, event_id text, type text, data jsonb,
 * metadata jsonb, recorded_at text (ISO, as hashed), prev_hash text, hash text.
 */
export const eventColumns = 10

const signature = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1")

/** Events often share their metadata (one command's events, one actor): parse each text once. */
const metadataCacheSize = 1_024

export class EventCopyDecoder {
  private pending: Buffer | undefined
  private headerRead = false
  private finished = false
  private readonly metadata = new Map<string, EventMetadata>()

  constructor(private readonly onEvent: (event: RecordedEvent) => void) {}

  /** Feeds the next chunk of the COPY stream; rows cut between chunks wait for the rest. */
  push(chunk: Buffer): void {
    const buf = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk])
    this.pending = undefined
    let offset = 0
    if (!this.headerRead) {
      if (buf.length < 19) {
        this.pending = buf
        return
      }
      if (!buf.subarray(0, 11).equals(signature)) throw new Error("not a binary COPY stream")
      offset = 19 + buf.readInt32BE(15)
      this.headerRead = true
    }
    while (offset + 2 <= buf.length) {
      const fields = buf.readInt16BE(offset)
      if (fields === -1) {
        this.finished = true
        return
      }
      if (fields !== eventColumns) throw new Error(`binary COPY row has ${fields} columns, expected ${eventColumns}`)
      const end = this.rowEnd(buf, offset + 2)
      if (end < 0) break
      this.onEvent(this.decodeRow(buf, offset + 2))
      offset = end
    }
    if (offset < buf.length) this.pending = buf.subarray(offset)
  }

  /** The stream ended: every row was complete and the trailer was seen. */
  end(): void {
    if (!this.finished || this.pending !== undefined) throw new Error("binary COPY stream ended in the middle of a row")
  }

  /** Where the row starting at `offset` (after its field count) ends, or -1 when not all here. */
  private rowEnd(buf: Buffer, offset: number): number {
    for (let i = 0; i < eventColumns; i++) {
      if (offset + 4 > buf.length) return -1
      const length = buf.readInt32BE(offset)
      offset += 4 + (length < 0 ? 0 : length)
    }
    return offset <= buf.length ? offset : -1
  }

  private decodeRow(buf: Buffer, offset: number): RecordedEvent {
    // Each field is a 4-byte length and its bytes; every column is NOT NULL, so no -1 length.
    // Written out without a helper closure: this runs once per event of the log.
    let at = offset + 4
    let end = at + buf.readInt32BE(offset)
    const position = buf.readInt32BE(at) * 4_294_967_296 + buf.readUInt32BE(at + 4)
    if (!Number.isSafeInteger(position)) throw new RangeError("event position outside the safe integer range")
    at = end + 4
    end = at + buf.readInt32BE(end)
    const streamId = buf.toString("utf8", at, end)
    at = end + 4
    end = at + buf.readInt32BE(end)
    const version = buf.readInt32BE(at)
    at = end + 4
    end = at + buf.readInt32BE(end)
    const eventId = buf.toString("utf8", at, end)
    at = end + 4
    end = at + buf.readInt32BE(end)
    const type = buf.toString("utf8", at, end)
    at = end + 4
    end = at + buf.readInt32BE(end)
    const data: unknown = JSON.parse(jsonb(buf, at, end))
    at = end + 4
    end = at + buf.readInt32BE(end)
    const metadata = this.metadataOf(jsonb(buf, at, end))
    at = end + 4
    end = at + buf.readInt32BE(end)
    const recordedAt = buf.toString("utf8", at, end)
    at = end + 4
    end = at + buf.readInt32BE(end)
    const prevHash = buf.toString("utf8", at, end)
    at = end + 4
    end = at + buf.readInt32BE(end)
    const hash = buf.toString("utf8", at, end)
    return { position, streamId, version, eventId, type, data, metadata, recordedAt, prevHash, hash }
  }

  private metadataOf(text: string): EventMetadata {
    let parsed = this.metadata.get(text)
    if (parsed === undefined) {
      if (this.metadata.size >= metadataCacheSize) this.metadata.clear()
      // Frozen: one object is shared by every event with the same metadata.
      parsed = Object.freeze(JSON.parse(text) as EventMetadata)
      this.metadata.set(text, parsed)
    }
    return parsed
  }
}

/** jsonb's binary form: a version byte (1) and the JSON text. */
const jsonb = (buf: Buffer, start: number, end: number): string => {
  if (buf[start] !== 1) throw new Error(`unknown jsonb binary version ${buf[start]}`)
  return buf.toString("utf8", start + 1, end)
}
