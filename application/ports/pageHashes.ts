import { Context } from "effect"

/**
 * Re-hashes a page of events, as `LedgerSnapshot.forEachPage` hands it over, and answers the
 * indexes (ascending) of the events whose recomputed hash differs from their stored `hash`:
 * exactly `hashMismatches(eventsOfPage(json))`. Implementations may do it on other threads, so the audit checks one page while the next
 * is hashed.
 */
export interface PageHashesService {
  readonly mismatches: (json: string) => Promise<ReadonlyArray<number>>
}

export class PageHashes extends Context.Tag("app/PageHashes")<PageHashes, PageHashesService>() {}
