import { Context, type Effect } from "effect"

export type IdempotencyClaim =
  | { readonly _tag: "Claimed" }
  | { readonly _tag: "Replay"; readonly status: number; readonly body: unknown }
  | { readonly _tag: "Mismatch" }
  | { readonly _tag: "InProgress" }

/** Idempotency-Key records for requests that move money (API.md conventions). */
export interface IdempotencyStoreService {
  readonly claim: (scope: string, key: string, requestHash: string, now: Date) => Effect.Effect<IdempotencyClaim>
  readonly complete: (scope: string, key: string, status: number, body: unknown) => Effect.Effect<void>
  /** A request that failed without a response worth replaying frees its key. */
  readonly release: (scope: string, key: string) => Effect.Effect<void>
}
export class IdempotencyStore extends Context.Tag("app/IdempotencyStore")<IdempotencyStore, IdempotencyStoreService>() {}
