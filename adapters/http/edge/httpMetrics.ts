import client from "prom-client"

/** The /metrics registry: process defaults, request counts and latencies, and any collectors added. */
export const makeHttpMetrics = (registerMore?: (registry: client.Registry) => void) => {
  const registry = new client.Registry()
  client.collectDefaultMetrics({ register: registry })
  registerMore?.(registry)
  const requests = new client.Counter({
    name: "http_requests_total",
    help: "HTTP requests by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry]
  })
  const latency = new client.Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request latency",
    labelNames: ["method", "route"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry]
  })
  return {
    registry,
    observe: (method: string, route: string, status: number, seconds: number) => {
      requests.inc({ method, route, status: String(status) })
      latency.observe({ method, route }, seconds)
    },
    /** The Prometheus text, for a metrics listener on a port of its own. */
    text: async () => ({ contentType: registry.contentType, body: await registry.metrics() })
  }
}

export type HttpMetrics = ReturnType<typeof makeHttpMetrics>
