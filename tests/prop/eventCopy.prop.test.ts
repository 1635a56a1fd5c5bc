import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { EventCopyDecoder } from "../../adapters/postgres/eventCopy.ts"
import type { RecordedEvent } from "../../application/ports/eventStore.ts"

/** What Postgres sends for `COPY (…) TO STDOUT (FORMAT binary)` over the ten event columns. */
const copyStream = (events: ReadonlyArray<RecordedEvent>): Buffer => {
  const parts: Array<Buffer> = [Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"), Buffer.alloc(8)]
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4)
    length.writeInt32BE(bytes.length)
    parts.push(length, bytes)
  }
  const text = (s: string) => field(Buffer.from(s, "utf8"))
  const jsonb = (v: unknown) => field(Buffer.concat([Buffer.from([1]), Buffer.from(JSON.stringify(v), "utf8")]))
  for (const e of events) {
    const count = Buffer.alloc(2)
    count.writeInt16BE(10)
    parts.push(count)
    const position = Buffer.alloc(8)
    position.writeBigInt64BE(BigInt(e.position))
    field(position)
    text(e.streamId)
    const version = Buffer.alloc(4)
    version.writeInt32BE(e.version)
    field(version)
    text(e.eventId)
    text(e.type)
    jsonb(e.data)
    jsonb(e.metadata)
    text(e.recordedAt)
    text(e.prevHash)
    text(e.hash)
  }
  parts.push(Buffer.from([0xff, 0xff]))
  return Buffer.concat(parts)
}

const hex64 = fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 })
const json = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown)
const event = fc.record({
  position: fc.maxSafeNat(),
  streamId: fc.string({ unit: "grapheme" }),
  version: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  eventId: fc.uuid(),
  type: fc.string(),
  data: json,
  metadata: fc.dictionary(fc.constantFrom("actor", "reason", "correlationId"), fc.string({ unit: "grapheme" })),
  recordedAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  prevHash: hex64,
  hash: hex64
}) as fc.Arbitrary<RecordedEvent>

describe("the binary COPY reader of the audit", () => {
  it("decodes every event exactly, however the stream is cut into chunks", () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (events, cuts) => {
        const bytes = copyStream(events)
        const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
        const decoded: Array<RecordedEvent> = []
        const decoder = new EventCopyDecoder((e) => decoded.push(e))
        let from = 0
        for (const to of [...at, bytes.length]) {
          decoder.push(bytes.subarray(from, to))
          from = to
        }
        decoder.end()
        expect(decoded).toEqual(events)
      })
    )
  })

  it("refuses a stream that ends inside a row", () => {
    const bytes = copyStream([{ position: 1, streamId: "wallet-u1", version: 1, eventId: "00000000-0000-4000-8000-000000000001", type: "T", data: {}, metadata: {}, recordedAt: "2026-01-01T00:00:00.000Z", prevHash: "0".repeat(64), hash: "1".repeat(64) }])
    const decoder = new EventCopyDecoder(() => {})
    decoder.push(bytes.subarray(0, bytes.length - 10))
    expect(() => decoder.end()).toThrow(/middle of a row/)
  })
})
