import type { RecordedEvent } from "../ports/eventStore.ts"

/** One event as a page carries it: its fields in a fixed order, without the member names. */
export type PageRow = readonly [
  position: number,
  streamId: string,
  version: number,
  eventId: string,
  type: string,
  data: unknown,
  metadata: RecordedEvent["metadata"],
  recordedAt: string,
  prevHash: string,
  hash: string
]

/** A page of `LedgerSnapshot.forEachPage` (JSON text: an array of PageRow), as events. */
export const eventsOfPage = (json: string): Array<RecordedEvent> => {
  const rows = JSON.parse(json) as ReadonlyArray<PageRow>
  const events = new Array<RecordedEvent>(rows.length)
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!
    events[i] = {
      position: r[0],
      streamId: r[1],
      version: r[2],
      eventId: r[3],
      type: r[4],
      data: r[5],
      metadata: r[6],
      recordedAt: r[7],
      prevHash: r[8],
      hash: r[9]
    }
  }
  return events
}
