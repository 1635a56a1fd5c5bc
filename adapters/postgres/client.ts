import { randomInt } from "node:crypto"
import { Context, Effect, Layer } from "effect"
import postgres from "postgres"

export type Sql = postgres.Sql<{ bigint: number }>

/** The postgres.js pool of this process. */
export class Pg extends Context.Tag("app/Pg")<Pg, Sql>() {}

/** int8 → number, refusing anything outside the safe-integer range (money never becomes a float). */
const int8AsSafeNumber = {
  to: 20,
  from: [20],
  serialize: (value: number | bigint) => value.toString(),
  parse: (value: string) => {
    const n = Number(value)
    if (!Number.isSafeInteger(n)) throw new RangeError(`int8 ${value} is outside the safe integer range`)
    return n
  }
}

/** Without these postgres.js waits up to ~20 s per reconnect while the database is gone. */
export interface DatabaseTimeouts {
  readonly connectTimeoutSeconds?: number
  readonly statementTimeoutMs?: number
}

/** This process among the database's clients: its connections are named `minispod:<id>`. */
export const processInstanceId = randomInt(1, 2 ** 31 - 1)

/** The instance id a pool's connections carry (see instanceAlive in idempotency). */
export const instanceIdOf = (sql: Sql): number => Number(String((sql.options.connection as { application_name?: string }).application_name).split(":")[1])

export const connect = (url: string, options: { readonly max?: number; readonly instanceId?: number } & DatabaseTimeouts = {}): Sql =>
  postgres(url, {
    max: options.max ?? 16,
    types: { bigint: int8AsSafeNumber },
    onnotice: () => {},
    ...(options.connectTimeoutSeconds === undefined ? {} : {
      connect_timeout: options.connectTimeoutSeconds,
      // Retry a lost connection quickly instead of backing off for seconds with queries queued behind it.
      backoff: () => 0.1
    }),
    connection: {
      application_name: `minispod:${options.instanceId ?? processInstanceId}`,
      ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs })
    }
  }) as unknown as Sql

const unavailableCodes = new Set([
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE",
  "CONNECT_TIMEOUT", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED",
  "57014", // statement timeout
  "57P01", "57P02", "57P03", // shutting down, crashed, not accepting connections yet
  "53300" // too many connections
])

/** A database outage (not a bug): the caller answers 503 and may retry. */
export const isDatabaseUnavailable = (error: unknown): boolean => {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined
  return typeof code === "string" && (unavailableCodes.has(code) || code.startsWith("08"))
}

export const PgLive = (url: string, options: { readonly max?: number; readonly instanceId?: number } & DatabaseTimeouts = {}) =>
  Layer.scoped(
    Pg,
    Effect.acquireRelease(
      Effect.sync(() => connect(url, options)),
      (sql) => Effect.promise(() => sql.end({ timeout: 5 }))
    )
  )

export const isUniqueViolation = (error: unknown): error is { code: string; constraint_name?: string } =>
  typeof error === "object" && error !== null && (error as { code?: unknown }).code === "23505"

export const isDeadlock = (error: unknown): boolean =>
  typeof error === "object" && error !== null && (error as { code?: unknown }).code === "40P01"
