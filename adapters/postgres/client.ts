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

export const connect = (url: string, options: { readonly max?: number } = {}): Sql =>
  postgres(url, {
    max: options.max ?? 16,
    types: { bigint: int8AsSafeNumber },
    onnotice: () => {},
    connection: { application_name: "minispod" }
  }) as unknown as Sql

export const PgLive = (url: string, options: { readonly max?: number } = {}) =>
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
