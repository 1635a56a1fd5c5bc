import { randomInt } from "node:crypto"
import { connect as netConnect, type Socket } from "node:net"
import { Context, Effect, Layer } from "effect"
import postgres from "postgres"

export type Sql = postgres.Sql<{ bigint: number }>
/** One reserved connection of the pool: a transaction the caller runs statement by statement. */
export type Tx = postgres.ReservedSql<{ bigint: number }>

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
export const instanceIdOf = (sql: Sql): number =>
  Number(String((sql.options.connection as { application_name?: string }).application_name).split(":")[1])

/**
 * postgres.js hands each query to the socket as soon as 1 KB has accumulated, so one pipelined
 * command (BEGIN, lock, loads; or insert, projections, COMMIT) costs several write system calls,
 * the largest single cost of a command on these machines. This socket is corked until the end of
 * the current tick: everything issued in one turn of the event loop leaves in one writev.
 */
const corkedSocket = (options: {
  readonly host: ReadonlyArray<string>
  readonly port: ReadonlyArray<number>
}): Socket => {
  // host and port as postgres.js sets them on its own sockets: its connection errors name them.
  const socket = Object.assign(netConnect(options.port[0]!, options.host[0]!), {
    host: options.host[0],
    port: options.port[0]
  })
  const write = socket.write.bind(socket) as (...args: Array<unknown>) => boolean
  let corked = false
  const uncork = () => {
    corked = false
    socket.uncork()
  }
  socket.write = ((...args: Array<unknown>) => {
    if (!corked) {
      corked = true
      socket.cork()
      process.nextTick(uncork)
    }
    return write(...args)
  }) as Socket["write"]
  return socket
}

/** One plain TCP host (no TLS, no host list, no Unix socket): the case the corked socket covers. */
const plainSingleHost = (url: string): boolean => {
  try {
    const parsed = new URL(url)
    const params = [...parsed.searchParams.keys()]
    return (
      !parsed.host.includes(",") &&
      parsed.hostname !== "" &&
      !params.some((p) => ["host", "ssl", "sslmode", "sslnegotiation"].includes(p))
    )
  } catch {
    return false
  }
}

export const connect = (
  url: string,
  options: { readonly max?: number; readonly instanceId?: number } & DatabaseTimeouts = {}
): Sql =>
  postgres(url, {
    ...(plainSingleHost(url) ? { socket: corkedSocket as never } : {}),
    max: options.max ?? 16,
    // postgres.js pipelines at most this many statements on a connection (default 100); past it
    // the rest of a reserved connection's queue goes one round trip at a time. A group-committed
    // batch pipelines its projections' statements behind the insert. Read by postgres.js's
    // option parser (src/index.js) but missing from its type declarations.
    ...({ max_pipeline: 1000 } as {}),
    types: { bigint: int8AsSafeNumber },
    onnotice: () => {},
    ...(options.connectTimeoutSeconds === undefined
      ? {}
      : {
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
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57014", // statement timeout
  "57P01",
  "57P02",
  "57P03", // shutting down, crashed, not accepting connections yet
  "53300" // too many connections
])

/** A database outage (not a bug): the caller answers 503 and may retry. */
export const isDatabaseUnavailable = (error: unknown): boolean => {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined
  return typeof code === "string" && (unavailableCodes.has(code) || code.startsWith("08"))
}

export const PgLive = (
  url: string,
  options: { readonly max?: number; readonly instanceId?: number } & DatabaseTimeouts = {}
) =>
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
