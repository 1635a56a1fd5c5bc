import type { RecordedEvent } from "../ports/eventStore.ts"
import type { ReadModels } from "../ports/ledgerSnapshot.ts"

/** One finding, tied to the event that caused it when there is one. */
export interface AuditProblem {
  readonly position?: number
  readonly streamId?: string
  readonly version?: number
  readonly eventId?: string
  readonly problem: string
}

export type Problems = Array<AuditProblem>

/** Where an event sits, for a problem about it. */
export const eventRef = (event: RecordedEvent): Omit<AuditProblem, "problem"> => ({
  position: event.position,
  streamId: event.streamId,
  version: event.version,
  eventId: event.eventId
})

/**
 * One family of streams the audit understands (wallets, payments, subscriptions…). The replay
 * verifies every hash chain itself and hands each verified event to the checks whose `follows`
 * accepts its stream; after the last event each check compares its state with the read models.
 * A new kind of stream adds a check to `auditChecks` (ledgerAudit.ts) and nothing else.
 */
export interface AuditCheck {
  readonly follows: (streamId: string) => boolean
  readonly observe: (event: RecordedEvent, problems: Problems) => void
  readonly compare: (readModels: ReadModels, problems: Problems) => void
  /** Counts for the summary, e.g. `{ wallets: 1000 }`. */
  readonly counts: () => Readonly<Record<string, number>>
}

/** A stream's latest event, kept as numbers: holding the event itself would keep its data alive. */
export interface StreamHead {
  readonly streamId: string
  readonly position: number
  readonly version: number
}

export const headOf = (event: RecordedEvent): StreamHead => ({
  streamId: event.streamId,
  position: event.position,
  version: event.version
})

/** The ledger's account balances, for the checks that post transfers (wallets today). */
export type AccountBalances = Map<string, number>
