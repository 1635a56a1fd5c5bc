import { Effect, Metric } from "effect"
import client from "prom-client"
import type { BusinessFigures } from "../adapters/postgres/businessFigures.ts"
import { provisioningDuration } from "../application/subscription/provisioning.ts"

/** An Effect histogram (tagged `outcome`) as a Prometheus histogram: its cumulative buckets, sum and count per outcome. */
const effectHistogram = (
  registry: client.Registry,
  histogram: typeof provisioningDuration,
  name: string,
  help: string,
  outcomes: ReadonlyArray<string>
) =>
  registry.registerMetric({
    name,
    get: async () => ({
      name,
      help,
      type: "histogram",
      aggregator: "sum",
      values: outcomes.flatMap((outcome) => {
        const state = Effect.runSync(Metric.value(Metric.tagged(histogram, "outcome", outcome)))
        return [
          ...[...state.buckets].map(([le, n]) => ({
            metricName: `${name}_bucket`,
            labels: { outcome, le: Number.isFinite(le) ? String(le) : "+Inf" },
            value: n
          })),
          { metricName: `${name}_sum`, labels: { outcome }, value: state.sum },
          { metricName: `${name}_count`, labels: { outcome }, value: state.count }
        ]
      })
    })
  } as unknown as client.Metric)

/**
 * Business gauges on /metrics, read at scrape time (one set of aggregates per scrape, shared by
 * the gauges): instances and subscriptions by status, instance health, payments (webhook
 * outcomes) by status, wallet totals in rupiah. A failed read leaves the gauges empty, never a failed scrape.
 */
export const registerBusinessMetrics = (registry: client.Registry, read: () => Promise<BusinessFigures>) => {
  let pending: Promise<BusinessFigures | undefined> | undefined
  const figures = () =>
    (pending ??= read()
      .catch(() => undefined)
      .finally(() => setTimeout(() => (pending = undefined), 0)))
  const byStatus = (
    name: string,
    help: string,
    pick: (f: BusinessFigures) => ReadonlyArray<{ status: string; n: number }>
  ) =>
    new client.Gauge({
      name,
      help,
      labelNames: ["status"] as const,
      registers: [registry],
      async collect() {
        const f = await figures()
        this.reset()
        for (const { status, n } of f === undefined ? [] : pick(f)) this.set({ status }, n)
      }
    })
  effectHistogram(
    registry,
    provisioningDuration,
    "minispod_provisioning_duration_seconds",
    "Seconds from a provisioning's start to its instance running (outcome=running) or failing (outcome=failed)",
    ["running", "failed"]
  )
  byStatus("minispod_instances", "Instances by status", (f) => f.instancesByStatus)
  byStatus("minispod_subscriptions", "Subscriptions by status", (f) => f.subscriptionsByStatus)
  byStatus(
    "minispod_instance_health",
    "Active instances by the reconciliation loop's health verdict",
    (f) => f.instancesByHealth
  )
  byStatus("minispod_payments", "Top-up payments by outcome (webhook and reconciliation)", (f) => f.paymentsByStatus)
  new client.Gauge({
    name: "minispod_wallet_rupiah",
    help: "Wallet totals in rupiah: balance held, topped up, spent",
    labelNames: ["kind"] as const,
    registers: [registry],
    async collect() {
      const f = await figures()
      this.reset()
      if (f === undefined) return
      this.set({ kind: "balance" }, f.wallets.balance)
      this.set({ kind: "topped_up" }, f.wallets.toppedUp)
      this.set({ kind: "spent" }, f.wallets.spent)
    }
  })
}
