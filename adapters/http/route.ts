import type { Effect } from "effect"
import { Schema } from "effect"
import type { Principal } from "../../application/accounts/useCases.ts"
import type { MappedError } from "./errors.ts"

export type Access = "public" | "user" | "admin"

export interface RouteInput<P, Q, B> {
  readonly params: P
  readonly query: Q
  readonly body: B
  /** Present on "user" and "admin" routes. */
  readonly principal: Principal
  readonly requestId: string
  readonly clientAddress: string
  readonly idempotencyKey: string | undefined
}

export interface Reply<D = unknown> {
  readonly status?: number
  readonly message: string
  readonly data: D
  /** A raw body instead of the JSON envelope (exports, PDFs); an iterable body is streamed. */
  readonly raw?: {
    readonly contentType: string
    readonly body: string | Uint8Array | AsyncIterable<string>
    readonly headers?: Readonly<Record<string, string>>
  }
}

export interface Route<R> {
  readonly method: "get" | "post" | "put" | "delete"
  readonly path: string
  readonly summary: string
  readonly tag: string
  readonly access: Access
  readonly params?: Schema.Schema<any, any>
  readonly query?: Schema.Schema<any, any>
  readonly body?: Schema.Schema<any, any>
  /** What `data` holds on success (its encoded side is what is sent); described in /openapi.json. */
  readonly response?: Schema.Schema<any, any>
  /** A route answering a raw body (`Reply.raw`) instead: its content type, for /openapi.json. */
  readonly rawResponse?: string
  /** Honours the Idempotency-Key header (requests that move money). */
  readonly idempotent?: boolean
  /** Unknown body fields are ignored instead of refused (Midtrans sends fields we do not use). */
  readonly acceptsUnknownFields?: boolean
  /** A compatibility alias kept for the earlier version's clients; marked deprecated in /openapi.json. */
  readonly deprecated?: boolean
  readonly handle: (input: RouteInput<any, any, any>) => Effect.Effect<Reply, MappedError, R>
}

/**
 * Declares a route; the Schemas validate the request and describe it in /openapi.json. With a
 * `response` Schema the compiler checks that the handler's `data` matches what is documented.
 */
export const route = <R, P = undefined, Q = undefined, B = undefined, D = unknown>(spec: {
  readonly method: Route<R>["method"]
  readonly path: string
  readonly summary: string
  readonly tag: string
  readonly access: Access
  readonly params?: Schema.Schema<P, any>
  readonly query?: Schema.Schema<Q, any>
  readonly body?: Schema.Schema<B, any>
  readonly response?: Schema.Schema<any, D>
  readonly rawResponse?: string
  readonly idempotent?: boolean
  readonly acceptsUnknownFields?: boolean
  readonly deprecated?: boolean
  /** Fails only with errors the one table maps (errors.ts): an unmapped tag is a compile error here. */
  readonly handle: (input: RouteInput<P, Q, B>) => Effect.Effect<Reply<NoInfer<D>>, MappedError, R>
}): Route<R> => spec as unknown as Route<R>

export const ok = <D>(message: string, data: D, status?: number): Reply<D> =>
  status === undefined ? { message, data } : { message, data, status }
