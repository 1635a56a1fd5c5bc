import { Effect, Layer } from "effect"
import { LogStream } from "../../application/ports/logStream.ts"

const lines = [
  "\u001b[32mINFO\u001b[0m  server listening on 0.0.0.0",
  "\u001b[36mDEBUG\u001b[0m health check ok",
  "\u001b[32mINFO\u001b[0m  request GET / 200 3ms",
  "\u001b[33mWARN\u001b[0m  slow query took 250ms"
]

/** SIMULATED LOGS (embedded default): plausible lines, with colour codes, on a timer. */
export const LogStreamSimulated = (options: { readonly intervalMs: number }) =>
  Layer.succeed(
    LogStream,
    LogStream.of({
      follow: (namespace, name, { tailLines }, onLine) =>
        Effect.sync(() => {
          let n = 0
          const emit = () => onLine(`${new Date().toISOString()} ${name}[${namespace}] ${lines[n++ % lines.length]}`)
          for (let i = 0; i < Math.min(tailLines, 3); i++) emit()
          const timer = setInterval(emit, options.intervalMs)
          return { stop: () => clearInterval(timer) }
        })
    })
  )
