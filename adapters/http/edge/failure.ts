import { Either, ParseResult, Schema } from "effect"
import { detailedMessages, errorTable, internalError, type MappedErrorTag, sentenceMessages } from "../errors.ts"

/** What the envelope of a refused request carries. */
export interface Failure {
  readonly status: number
  readonly code: string
  readonly message: string
  readonly details?: unknown
}

export class HttpFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message)
  }
}

/** A refusal by the one error table's row for `tag`. */
export const fail = (tag: MappedErrorTag, details?: unknown, message?: string): HttpFailure => {
  const entry = errorTable[tag]
  const text = message ?? detailedMessages[tag]?.(details) ?? entry.message
  return new HttpFailure({ ...entry, message: text, ...(details === undefined ? {} : { details }) })
}

/** Whatever was thrown, as the envelope's failure: Koa's own 4xx stay 4xx, anything else is a 500. */
export const toFailure = (error: unknown): Failure => {
  if (error instanceof HttpFailure) return error.failure
  const status = (error as { status?: number; expose?: boolean }).status
  if (typeof status === "number" && status >= 400 && status < 500) {
    return { status, code: "VALIDATION_FAILED", message: "Bad request" }
  }
  return internalError
}

/** Decodes one part of the request; a failure names every bad field. */
export const decode = (
  schema: Schema.Schema<any, any> | undefined,
  value: unknown,
  where: string,
  unknownFields: "error" | "ignore" = "ignore"
) => {
  if (schema === undefined) return undefined
  const result = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: unknownFields })(value)
  if (Either.isRight(result)) return result.right
  const byField = new Map<string, string>()
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(result.left)) {
    const field = [where, ...issue.path.map(String)].join(".")
    const message = issue._tag === "Unexpected" ? "is not a field of this request" : issue.message
    if (!byField.has(field)) byField.set(field, message) // first reason per field is the useful one
  }
  const sentence = [...byField.values()].find((m) => sentenceMessages.has(m))
  throw fail(
    "RequestInvalid",
    [...byField].map(([field, message]) => ({ field, message })),
    sentence
  )
}

/** A route without a body Schema takes no fields: any sent is refused by name (`{}` or no body is fine). */
export const refuseBody = (body: unknown): undefined => {
  if (body === undefined || body === null) return undefined
  const fields = typeof body === "object" ? Object.keys(body) : ["(value)"]
  if (fields.length === 0) return undefined
  throw fail(
    "RequestInvalid",
    fields.map((field) => ({ field: `body.${field}`, message: "is not a field of this request" }))
  )
}
