import { Context, type Effect } from "effect"

export type IdempotencyClaim =
  | { readonly _tag: "Claimed" }
  | { readonly _tag: "Replay"; readonly status: number; readonly body: string }
  | { readonly _tag: "Mismatch" }
  | { readonly _tag: "InProgress" }

/** How long a key is remembered (stated in API.md): later, the same key is a new request. */
export const idempotencyKeyTtlMs = 24 * 3600 * 1000

/**
 * Idempotency-Key records for requests that move money (API.md conventions). A completed
 * request's response is kept as the exact text sent, so a replay is byte-identical.
 */
export interface IdempotencyStoreService {
  readonly claim: (scope: string, key: string, requestHash: string, now: Date) => Effect.Effect<IdempotencyClaim>
  readonly complete: (scope: string, key: string, status: number, body: string) => Effect.Effect<void>
  /** A request that failed without a response worth replaying frees its key. */
  readonly release: (scope: string, key: string) => Effect.Effect<void>
}
export class IdempotencyStore extends Context.Tag("app/IdempotencyStore")<
  IdempotencyStore,
  IdempotencyStoreService
>() {}
