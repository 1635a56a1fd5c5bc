import { Context, type Effect } from "effect"

export interface Window {
  readonly from: Date
  readonly to: Date
  readonly groupBy: "day" | "month"
}

export interface AnalyticsService {
  /** Per period: charges, refunds, net revenue, top-ups and coupon credit, in rupiah. */
  readonly revenue: (w: Window) => Effect.Effect<
    ReadonlyArray<{
      period: string
      charged: number
      refunded: number
      net: number
      toppedUp: number
      couponCredit: number
    }>
  >
  readonly quota: Effect.Effect<
    ReadonlyArray<{
      planId: string
      planName: string
      serviceName: string
      totalQuota: number
      usedQuota: number
      utilisation: number
    }>
  >
  /** Per period: new subscriptions and cancellations/expiries; plus the current count per status. */
  readonly subscriptions: (w: Window) => Effect.Effect<{
    periods: ReadonlyArray<{ period: string; created: number; ended: number }>
    byStatus: Readonly<Record<string, number>>
  }>
  /** Per period: instance stops, starts and restarts requested. */
  readonly serviceControl: (
    w: Window
  ) => Effect.Effect<ReadonlyArray<{ period: string; stops: number; starts: number; restarts: number }>>
}

export class Analytics extends Context.Tag("app/Analytics")<Analytics, AnalyticsService>() {}
