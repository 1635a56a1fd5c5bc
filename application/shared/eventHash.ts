import { hash } from "node:crypto"
import type { RecordedEvent } from "../ports/eventStore.ts"

export const GENESIS_HASH = "0".repeat(64)

/** Characters JSON.stringify escapes (quote, backslash, controls) or rewrites (lone surrogates). */
const needsEscape = /["\\\u0000-\u001f\ud800-\udfff]/

/** `JSON.stringify(s)` without the call for the common string that needs no escape. */
const quote = (s: string): string => (needsEscape.test(s) ? JSON.stringify(s) : `"${s}"`)

/**
 * Canonical JSON (docs/ledger-hash-spec.md): object members sorted by key (UTF-16 code units, as
 * `Array.prototype.sort` compares strings), members whose value is undefined left out, no
 * whitespace, strings and numbers as `JSON.stringify` writes them, bigint as a decimal string.
 * Written as plain loops: the audit encodes every event of the log.
 */
export const canonicalEncode = (value: unknown): string => {
  if (value === null) return "null"
  switch (typeof value) {
    case "string":
      return quote(value)
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("non-finite number in event")
      return JSON.stringify(value)
    case "boolean":
      return value ? "true" : "false"
    case "bigint":
      return `"${value.toString()}"`
    case "object": {
      if (Array.isArray(value)) {
        let out = "["
        for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + canonicalEncode(value[i])
        return `${out}]`
      }
      const record = value as Record<string, unknown>
      const keys = Object.keys(record).sort()
      let out = "{"
      for (const key of keys) {
        const member = record[key]
        if (member === undefined) continue
        out += `${out.length === 1 ? "" : ","}${quote(key)}:${canonicalEncode(member)}`
      }
      return `${out}}`
    }
    default:
      throw new TypeError(`cannot encode ${typeof value} in an event`)
  }
}

export type HashedFields = Omit<RecordedEvent, "position" | "hash">

/**
 * The hash input of an event: the canonical JSON of its eight hashed fields. The envelope's keys
 * are fixed, so they are written in their sorted order directly.
 */
export const hashInput = (event: HashedFields): string => hashInputWith(event, canonicalEncode(event.metadata))

/** The hash input with the metadata's canonical JSON already known (the audit reuses it across events). */
const hashInputWith = (event: HashedFields, canonicalMetadata: string): string =>
  `{"data":${canonicalEncode(event.data)},"eventId":${quote(event.eventId)},"metadata":${canonicalMetadata},"prevHash":${quote(event.prevHash)},"recordedAt":${quote(event.recordedAt)},"streamId":${quote(event.streamId)},"type":${quote(event.type)},"version":${canonicalEncode(event.version)}}`

/** SHA-256 over everything an event says, chained to the previous event of its stream. */
export const hashEvent = (event: HashedFields): string => hash("sha256", hashInput(event), "hex")

/** `hashEvent` given `canonicalEncode(event.metadata)`. */
export const hashEventWithMetadata = (event: HashedFields, canonicalMetadata: string): string =>
  hash("sha256", hashInputWith(event, canonicalMetadata), "hex")

/** Indexes (ascending) of the events whose recomputed hash differs from their stored `hash`; chains are not followed here. */
export const hashMismatches = (events: ReadonlyArray<RecordedEvent>): Array<number> => {
  const mismatches: Array<number> = []
  for (let index = 0; index < events.length; index++) {
    if (hashEvent(events[index]!) !== events[index]!.hash) mismatches.push(index)
  }
  return mismatches
}

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
