import { Layer, ManagedRuntime } from "effect"
import { IdGeneratorCrypto } from "../../adapters/crypto/ids.ts"
import { LedgerMemory } from "../../adapters/memory/ledger.ts"
import { postgresLayer } from "../../infra/layers.ts"

/** Object mother for ledger inputs (the charge causes live in a domain-only module, for the fast tests). */
export { period, upgrade } from "./chargeCauseMother.ts"

export const system = { actor: "test" } as const

export const memoryLedgerLayer = () => LedgerMemory.pipe(Layer.provideMerge(IdGeneratorCrypto))

export const postgresLedgerRuntime = (url: string) => ManagedRuntime.make(postgresLayer(url, 20))
