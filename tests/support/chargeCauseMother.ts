import type { ChargeCause } from "../../domain/ledger/index.ts"

/** Object mother for what a wallet charge pays for; domain-only, so the fast tests load nothing else. */
export const period = (subscriptionId: string, periodStart = "2026-11-01"): ChargeCause => ({
  _tag: "SubscriptionPeriod",
  subscriptionId,
  periodStart
})

export const upgrade = (subscriptionId: string, upgradeId: string): ChargeCause => ({
  _tag: "Upgrade",
  subscriptionId,
  upgradeId
})
