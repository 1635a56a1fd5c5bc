import { createHash } from "node:crypto"
import type { RecordedEvent } from "../ports/eventStore.ts"

export const GENESIS_HASH = "0".repeat(64)

/** Canonical JSON: sorted object keys, bigint as a decimal string, no undefined members. */
export const canonicalEncode = (value: unknown): string => {
  if (value === null) return "null"
  switch (typeof value) {
    case "bigint":
      return JSON.stringify(value.toString())
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("non-finite number in event")
      return JSON.stringify(value)
    case "string":
    case "boolean":
      return JSON.stringify(value)
    case "object": {
      if (Array.isArray(value)) return `[${value.map(canonicalEncode).join(",")}]`
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalEncode(v)}`).join(",")}}`
    }
    default:
      throw new TypeError(`cannot encode ${typeof value} in an event`)
  }
}

export type HashedFields = Omit<RecordedEvent, "position" | "hash">

/** SHA-256 over everything an event says, chained to the previous event of its stream. */
export const hashEvent = (event: HashedFields): string =>
  createHash("sha256")
    .update(canonicalEncode({
      streamId: event.streamId,
      version: event.version,
      eventId: event.eventId,
      type: event.type,
      data: event.data,
      metadata: event.metadata,
      recordedAt: event.recordedAt,
      prevHash: event.prevHash
    }))
    .digest("hex")

export interface ChainBreak {
  readonly index: number
  readonly problem: string
}

/**
 * Checks one stream's events in stored order: versions 1..n without gaps, each event linked to
 * the previous hash, each hash recomputed. Returns the first break, if any.
 */
export const verifyChain = (events: ReadonlyArray<RecordedEvent>): ChainBreak | undefined => {
  let prevHash = GENESIS_HASH
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!
    if (event.version !== index + 1) return { index, problem: `version ${event.version}, expected ${index + 1}` }
    if (event.prevHash !== prevHash) return { index, problem: "prev_hash does not match the previous event" }
    if (hashEvent(event) !== event.hash) return { index, problem: "hash does not match the event's contents" }
    prevHash = event.hash
  }
  return undefined
}
