import { Context, type Effect } from "effect"

export interface IdGeneratorService {
  /** A random UUID (event ids, user ids, token families). */
  readonly uuid: Effect.Effect<string>
  /** An unguessable opaque secret (refresh tokens), URL-safe. */
  readonly secret: Effect.Effect<string>
}
export class IdGenerator extends Context.Tag("app/IdGenerator")<IdGenerator, IdGeneratorService>() {}

export interface TransactionIdsService {
  /** Next human transaction id, `TXMP-<n>`, from a database sequence. Numbers may have gaps. */
  readonly next: Effect.Effect<string>
}
export class TransactionIds extends Context.Tag("app/TransactionIds")<TransactionIds, TransactionIdsService>() {}
