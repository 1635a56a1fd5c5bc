import { Layer, ManagedRuntime } from "effect"
import { IdGeneratorCrypto } from "../../adapters/crypto/ids.ts"
import { LedgerMemory } from "../../adapters/memory/ledger.ts"
import type { ChargeCause } from "../../domain/ledger/index.ts"
import { ledgerLayer } from "../../infra/layers.ts"

/** Object mother for ledger inputs. */
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

export const system = { actor: "test" } as const

export const memoryLedgerLayer = () => LedgerMemory.pipe(Layer.provideMerge(IdGeneratorCrypto))

export const postgresLedgerRuntime = (url: string) => ManagedRuntime.make(ledgerLayer(url, 20))
