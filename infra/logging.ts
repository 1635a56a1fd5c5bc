import { Layer, Logger, LogLevel } from "effect"
import type { HttpLogger } from "../adapters/http/app.ts"

const levels = { debug: 10, info: 20, warning: 30, error: 40 } as const
export type LevelName = keyof typeof levels

/** Structured JSON lines on stdout (one object per line), filtered by LOG_LEVEL. */
export const jsonLogger = (minimum: LevelName): HttpLogger => {
  const write = (level: LevelName, message: string, fields: Record<string, unknown>) => {
    if (levels[level] < levels[minimum]) return
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`)
  }
  return {
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warning", m, f),
    error: (m, f) => write("error", m, f)
  }
}

const effectLevels = { debug: LogLevel.Debug, info: LogLevel.Info, warning: LogLevel.Warning, error: LogLevel.Error }

/** Effect's own logs (use cases) in the same JSON shape and level. */
export const effectLogging = (minimum: LevelName) =>
  Layer.merge(Logger.replace(Logger.defaultLogger, Logger.jsonLogger), Logger.minimumLogLevel(effectLevels[minimum]))
