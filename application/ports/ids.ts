import { Context, type Effect } from "effect"

export interface IdGeneratorService {
  /** A random UUID (event ids, user ids, token families). */
  readonly uuid: Effect.Effect<string>
  /** An unguessable opaque secret (refresh tokens), URL-safe. */
  readonly secret: Effect.Effect<string>
}
export class IdGenerator extends Context.Tag("app/IdGenerator")<IdGenerator, IdGeneratorService>() {}

export interface TransactionIdsService {
  /**
   * A provisional human transaction id for a transfer a command may write. The event store gives
   * it its `TXMP-<n>` from a database sequence in the transaction that writes it; one never
   * written takes no number (application/shared/transactionNumbers.ts).
   */
  readonly next: Effect.Effect<string>
}
export class TransactionIds extends Context.Tag("app/TransactionIds")<TransactionIds, TransactionIdsService>() {}
