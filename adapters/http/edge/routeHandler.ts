import { createHash } from "node:crypto"
import { Readable } from "node:stream"
import type { RouterContext } from "@koa/router"
import { Cause, Chunk, Clock, Effect, Either, Exit, Option, ParseResult, Schema } from "effect"
import { authenticate, type Principal, requireAdministrator } from "../../../application/accounts/useCases.ts"
import { IdempotencyStore } from "../../../application/ports/idempotency.ts"
import { canonicalEncode } from "../../../application/shared/eventHash.ts"
import type { EdgeServices, HttpLogger, Runner } from "../app.ts"
import { detailsOf, errorEntryOf, internalError, type MappedError } from "../errors.ts"
import { inspectInput, inspectQueryText } from "../inputGuard.ts"
import type { Route } from "../route.ts"
import { decode, fail, HttpFailure, refuseBody } from "./failure.ts"

export interface RouteHandlerOptions<R> {
  readonly run: Runner<R | EdgeServices>
  readonly logger: HttpLogger
  readonly unavailable?: ((defect: unknown) => boolean) | undefined
  readonly checkResponses?: boolean | undefined
  readonly idempotencyWaitMs?: number | undefined
}

/**
 * One route's handler: authentication and role, input inspection and decoding (each bad field
 * named), the use case run with its typed failures mapped through the one table, and the
 * Idempotency-Key protocol (a replay gets the first response's very bytes).
 */
export const routeHandler = <R>(r: Route<R>, options: RouteHandlerOptions<R>) => {
  const { run, logger } = options
  /** Runs a use case; typed failures become HTTP failures through the one table. */
  const execute = async <A>(effect: Effect.Effect<A, MappedError, R | EdgeServices>, requestId: string): Promise<A> => {
    const exit = await run(Effect.annotateLogs(effect, { requestId }))
    if (Exit.isSuccess(exit)) return exit.value
    const failure = Cause.failureOption(exit.cause)
    // Checked again at run time: a failure typed away by a cast must still be a 500, not a crash.
    if (Option.isSome(failure) && errorEntryOf(failure.value._tag) !== undefined) {
      throw fail(failure.value._tag, detailsOf(failure.value))
    }
    if (options.unavailable !== undefined && Chunk.some(Cause.defects(exit.cause), options.unavailable)) {
      logger.warn("dependency unavailable", { requestId, cause: Cause.pretty(exit.cause) })
      throw fail("DatabaseUnavailable", { retryAfterSeconds: 2 })
    }
    logger.error("unhandled failure", { requestId, cause: Cause.pretty(exit.cause) })
    throw new HttpFailure(internalError)
  }

  return async (ctx: RouterContext) => {
    const requestId = ctx.state["requestId"] as string
    let principal: Principal | undefined
    if (r.access !== "public") {
      const header = ctx.get("authorization")
      const token = /^Bearer ([\w.-]+)$/.exec(header)?.[1]
      if (token === undefined) throw fail("Unauthenticated", { reason: "missing bearer token" })
      principal = await execute(authenticate(token), requestId)
      if (r.access === "admin") await execute(requireAdministrator(principal), requestId)
    }
    for (const problem of [
      inspectQueryText(ctx.querystring),
      inspectInput(ctx.params, "params"),
      inspectInput(ctx.query, "query"),
      inspectInput(ctx.request.body, "body")
    ]) {
      if (problem !== undefined) throw fail("RequestInvalid", [problem])
    }
    const params = decode(r.params, ctx.params, "params")
    const query = decode(r.query, ctx.query, "query")
    // An unknown body field is refused by name (a misspelt field must not be a silent 200).
    const body =
      r.body === undefined
        ? refuseBody(ctx.request.body)
        : decode(r.body, ctx.request.body ?? {}, "body", r.acceptsUnknownFields ? "ignore" : "error")
    const idempotencyKey = r.idempotent ? ctx.get("idempotency-key") || undefined : undefined
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
      throw fail("RequestInvalid", [
        { field: "headers.idempotency-key", message: "must be 1-255 visible ASCII characters" }
      ])
    }
    const handle = () =>
      execute(
        r.handle({
          params,
          query,
          body,
          principal: principal!,
          requestId,
          clientAddress: ctx.ip,
          idempotencyKey
        }),
        requestId
      ).then((reply) => {
        if (options.checkResponses && r.response !== undefined)
          checkResponse(r.response, reply.data, `${r.method} ${r.path}`)
        return reply
      })

    if (idempotencyKey === undefined) {
      const reply = await handle()
      ctx.status = reply.status ?? 200
      if (reply.raw) {
        ctx.type = reply.raw.contentType
        if (reply.raw.headers) ctx.set(reply.raw.headers)
        const body = reply.raw.body
        ctx.body =
          typeof body === "string"
            ? body
            : body instanceof Uint8Array
              ? Buffer.from(body.buffer, body.byteOffset, body.byteLength)
              : Readable.from(body)
        return
      }
      ctx.body = { success: true, message: reply.message, data: reply.data }
      return
    }
    const scope = `${principal?.userId ?? "anonymous"} ${r.method.toUpperCase()} ${ctx.path}`
    const requestHash = createHash("sha256")
      .update(canonicalEncode(ctx.request.body ?? null))
      .digest("hex")
    // A duplicate arriving while the first is in flight waits briefly for its outcome.
    const claimOnce = Effect.flatMap(Effect.zip(IdempotencyStore, Clock.currentTimeMillis), ([store, now]) =>
      store.claim(scope, idempotencyKey, requestHash, new Date(now))
    )
    const waitMs = options.idempotencyWaitMs ?? 5_000
    const claim = await execute(
      Effect.gen(function* () {
        const started = yield* Clock.currentTimeMillis
        for (;;) {
          const outcome = yield* claimOnce
          if (outcome._tag !== "InProgress" || (yield* Clock.currentTimeMillis) - started >= waitMs) return outcome
          yield* Effect.sleep("50 millis")
        }
      }),
      requestId
    )
    if (claim._tag === "Mismatch") throw fail("IdempotencyKeyReused")
    if (claim._tag === "InProgress") throw fail("IdempotencyKeyInProgress")
    if (claim._tag === "Replay") {
      ctx.status = claim.status
      ctx.set("Idempotent-Replayed", "true")
      ctx.type = "application/json"
      ctx.body = claim.body // the first response's very bytes
      return
    }
    try {
      const reply = await handle()
      const status = reply.status ?? 200
      const responseBody = JSON.stringify({ success: true, message: reply.message, data: reply.data })
      await execute(
        Effect.flatMap(IdempotencyStore, (s) => s.complete(scope, idempotencyKey, status, responseBody)),
        requestId
      )
      ctx.status = status
      ctx.type = "application/json"
      ctx.body = responseBody
    } catch (error) {
      // Only successes are replayed; a failed attempt frees the key for a retry.
      await execute(
        Effect.flatMap(IdempotencyStore, (s) => s.release(scope, idempotencyKey)),
        requestId
      ).catch(() => undefined)
      throw error
    }
  }
}

/** The data as a client receives it (JSON) must decode with the route's documented Schema. */
const checkResponse = (schema: Schema.Schema<any, any>, data: unknown, route: string) => {
  const result = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "ignore" })(
    JSON.parse(JSON.stringify(data) ?? "null")
  )
  if (Either.isLeft(result)) {
    throw new Error(
      `${route}: response does not match its documented schema: ${ParseResult.TreeFormatter.formatErrorSync(result.left)}`
    )
  }
}
