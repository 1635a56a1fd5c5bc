import type { StreamEvents } from "../ports/eventStore.ts"

/**
 * TXMP numbers are taken when a transfer is written, never before (issue 12 point 6). A command
 * names its transfers with provisional ids (`TXMP-0…`: a real number never starts with 0, and the
 * form passes the events' TXMP pattern); the event store, in the appending transaction, reads the
 * sequence once per distinct provisional id its events carry and writes the real numbers in their
 * place — in stream ids, event data and snapshots. A provisional id no event carries (a refund
 * slot the decision did not use, a command refused) takes no number, so gaps come only from
 * transactions that roll back.
 */
const provisionalShape = /TXMP-0\d+/g

/** A provisional id: `TXMP-0` then digits unique among the ids one process hands out. */
export const provisionalTransactionId = (digits: string): string => `TXMP-0${digits}`

/**
 * The distinct provisional ids the events carry, in order of first appearance. Events are enough:
 * a provisional id reaches a snapshot or a stream id only through an event of the same decision.
 */
export const provisionalIdsIn = (appends: ReadonlyArray<StreamEvents>): ReadonlyArray<string> => {
  const found = new Set<string>()
  for (const append of appends) {
    for (const event of append.events) {
      for (const match of JSON.stringify(event.data).matchAll(provisionalShape)) found.add(match[0])
    }
  }
  return [...found]
}

const replaceIn = (value: unknown, numbers: ReadonlyMap<string, string>): unknown => {
  if (typeof value === "string")
    return value.includes("TXMP-0") ? value.replace(provisionalShape, (id) => numbers.get(id) ?? id) : value
  if (Array.isArray(value)) return value.map((v) => replaceIn(v, numbers))
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [replaceIn(k, numbers) as string, replaceIn(v, numbers)])
    )
  }
  return value
}

/** `replaceIn`, walking only values that carry a provisional id (a batch's map is applied to every command in it). */
const replaceWhereCarried = (value: unknown, numbers: ReadonlyMap<string, string>): unknown => {
  let carried = true
  try {
    carried = JSON.stringify(value)?.includes("TXMP-0") ?? false
  } catch {
    // Not JSON (a bigint): walked as before.
  }
  return carried ? replaceIn(value, numbers) : value
}

/** The appends with every provisional id replaced by its number (`numbers`: provisional → TXMP-n). */
export const numberTransactions = <A extends StreamEvents>(
  appends: ReadonlyArray<A>,
  numbers: ReadonlyMap<string, string>
): ReadonlyArray<A> =>
  appends.map((append) => ({
    ...append,
    streamId: replaceIn(append.streamId, numbers) as string,
    events: append.events.map((event) => ({ ...event, data: replaceWhereCarried(event.data, numbers) })),
    ...(append.snapshot === undefined ? {} : { snapshot: replaceWhereCarried(append.snapshot, numbers) })
  }))

/**
 * A decision's result with every provisional id replaced by its number, so a use case reports
 * the numbers written. Results are plain data: arrays and plain objects are walked, anything else
 * (a Date, a class instance) is returned as it is.
 */
export const numberResult = <A>(value: A, numbers: ReadonlyMap<string, string>): A =>
  numbers.size === 0 ? value : (replaceInPlain(value, numbers) as A)

const replaceInPlain = (value: unknown, numbers: ReadonlyMap<string, string>): unknown => {
  if (typeof value === "string") return replaceIn(value, numbers)
  if (Array.isArray(value)) return value.map((v) => replaceInPlain(v, numbers))
  if (value !== null && typeof value === "object" && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [replaceIn(k, numbers) as string, replaceInPlain(v, numbers)])
    )
  }
  return value
}

/**
 * Whether `value` (a refusal, say) names one of the provisional ids in `numbers`. A decision in a
 * group-committed batch sees the state earlier commands of the batch left, provisional ids
 * included, so its refusal could name one before the batch has its numbers.
 */
export const mentionsProvisional = (value: unknown, numbers: ReadonlyMap<string, string>): boolean => {
  if (numbers.size === 0) return false
  let text: string
  try {
    text = JSON.stringify(value) ?? ""
  } catch {
    text = String(value)
  }
  return text.includes("TXMP-0") && [...text.matchAll(provisionalShape)].some((m) => numbers.has(m[0]))
}

/** Pairs provisional ids with freshly taken numbers (`taken` in ascending order). */
export const numbersFor = (
  provisional: ReadonlyArray<string>,
  taken: ReadonlyArray<number>
): ReadonlyMap<string, string> => new Map(provisional.map((id, i) => [id, `TXMP-${taken[i]!}`]))
