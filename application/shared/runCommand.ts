import { Clock, Effect, type Either } from "effect"
import {
  type Decision,
  EventStore,
  type EventMetadata,
  type LoadedStream,
  VersionConflict
} from "../ports/eventStore.ts"

const maxAttempts = 8

/**
 * The one load → decide → append loop. The store locks, loads and appends in one transaction;
 * a version conflict (two commands creating the same stream at once) is retried with fresh state.
 * Returns the result of the decision that committed.
 */
export const runCommand = <A, E>(
  streamIds: ReadonlyArray<string>,
  decide: (streams: ReadonlyMap<string, LoadedStream>) => Either.Either<Decision<A>, E>,
  metadata: EventMetadata
): Effect.Effect<A, E | VersionConflict, EventStore> =>
  Effect.gen(function* () {
    const store = yield* EventStore
    const now = yield* Clock.currentTimeMillis
    return yield* store.transact(streamIds, decide, metadata, new Date(now))
  }).pipe(Effect.retry({ while: (error) => error instanceof VersionConflict, times: maxAttempts - 1 }))
