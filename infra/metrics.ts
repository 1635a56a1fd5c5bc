import { createHash, timingSafeEqual } from "node:crypto"
import { createServer, type Server } from "node:http"
import { Option, Redacted } from "effect"
import type { AppConfig } from "./config.ts"

/**
 * Where GET /metrics is served: on METRICS_PORT alone when set (keep that port internal), else
 * on the API port; METRICS_TOKEN, when set, is required as a bearer token on either.
 */
export const metricsServing = (config: AppConfig) => {
  const token = Option.getOrUndefined(Option.map(config.metricsToken, Redacted.value))
  const separatePort = Option.getOrUndefined(config.metricsPort)
  return {
    onApiPort: { served: separatePort === undefined, token },
    description: `${separatePort === undefined ? "GET /metrics on the API port" : `GET /metrics on port ${separatePort} only`}${token === undefined ? " (open: set METRICS_TOKEN or METRICS_PORT to restrict it)" : " (bearer METRICS_TOKEN)"}`,
    startSeparate: (source: {
      readonly metricsText: () => Promise<{ readonly contentType: string; readonly body: string }>
    }): Server | undefined => {
      if (separatePort === undefined) return undefined
      const server = createServer((req, res) => {
        const digest = (s: string) => createHash("sha256").update(s).digest()
        const authorized =
          token === undefined || timingSafeEqual(digest(req.headers.authorization ?? ""), digest(`Bearer ${token}`))
        if (req.method !== "GET" || new URL(req.url ?? "/", "http://x").pathname !== "/metrics" || !authorized) {
          res.writeHead(authorized ? 404 : 401, { "content-type": "application/json", "cache-control": "no-store" })
          res.end(
            JSON.stringify({
              success: false,
              message: authorized ? "Not found" : "Authentication required",
              error: { code: authorized ? "NOT_FOUND" : "UNAUTHENTICATED" }
            })
          )
          return
        }
        source.metricsText().then(
          ({ contentType, body }) => {
            res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" })
            res.end(body)
          },
          () => {
            res.writeHead(500).end()
          }
        )
      })
      server.listen(separatePort, config.host)
      return server
    }
  }
}
