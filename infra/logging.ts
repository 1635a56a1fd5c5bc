import { Cause, HashMap, Layer, List, Logger, LogLevel } from "effect"
import { pino, type DestinationStream } from "pino"
import type { HttpLogger } from "../adapters/http/app.ts"

const pinoLevels = { debug: "debug", info: "info", warning: "warn", error: "error" } as const
export type LevelName = keyof typeof pinoLevels

/** Keys whose values are never written, wherever they sit in a line's context (defence in depth). */
const secretKeys = [
  "password",
  "currentPassword",
  "newPassword",
  "token",
  "accessToken",
  "refreshToken",
  "authorization",
  "serverKey",
  "signature_key",
  "secret",
  "jwt"
]

/**
 * The one log stream: one JSON object per line on stdout — time (ISO-8601), level, message,
 * requestId (null outside a request) and context — filtered by LOG_LEVEL.
 */
export const makeLog = (minimum: LevelName, destination?: DestinationStream) =>
  pino(
    {
      level: pinoLevels[minimum],
      messageKey: "message",
      base: null,
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label === "warn" ? "warning" : label }) },
      redact: { paths: secretKeys.flatMap((k) => [`context.${k}`, `context.*.${k}`]), censor: "[redacted]" }
    },
    destination ?? pino.destination({ dest: 1, sync: true })
  )

export type Log = ReturnType<typeof makeLog>

/** For command-line tools whose stdout is their report. */
export const stderr = () => pino.destination({ dest: 2, sync: true })

const line = (fields: Record<string, unknown>) => {
  const { requestId, ...context } = fields
  return { requestId: requestId ?? null, context }
}

/** The HTTP edge's and the jobs' logger. */
export const jsonLogger = (log: Log): HttpLogger => ({
  info: (m, f) => log.info(line(f), m),
  warn: (m, f) => log.warn(line(f), m),
  error: (m, f) => log.error(line(f), m)
})

const toPino = (level: LogLevel.LogLevel): "debug" | "info" | "warn" | "error" =>
  level._tag === "Warning"
    ? "warn"
    : level._tag === "Error" || level._tag === "Fatal"
      ? "error"
      : level._tag === "Info"
        ? "info"
        : "debug"

const effectLevels = { debug: LogLevel.Debug, info: LogLevel.Info, warning: LogLevel.Warning, error: LogLevel.Error }

/** Effect's own logs (use cases, jobs) in the same stream: annotations and spans become the context. */
export const effectLogging = (log: Log, minimum: LevelName) => {
  const logger = Logger.make(({ annotations, cause, logLevel, message, spans }) => {
    const fields: Record<string, unknown> = Object.fromEntries(HashMap.toEntries(annotations))
    const spanNames = List.toArray(spans).map((s) => s.label)
    if (spanNames.length > 0) fields["spans"] = spanNames
    if (!Cause.isEmpty(cause)) fields["cause"] = Cause.pretty(cause)
    const text = (Array.isArray(message) ? message : [message])
      .map((m) => (typeof m === "string" ? m : JSON.stringify(m)))
      .join(" ")
    log[toPino(logLevel)](line(fields), text)
  })
  return Layer.merge(Logger.replace(Logger.defaultLogger, logger), Logger.minimumLogLevel(effectLevels[minimum]))
}
