/** A renewal scheduler replica in its own process (killed with SIGKILL by a durability test). */
import { Layer, ManagedRuntime } from "effect"
import { ClusterSimulated } from "../../adapters/cluster/simulated.ts"
import { processRenewals, RenewalPolicy } from "../../application/renewals/useCases.ts"
import { ledgerLayer } from "../../infra/layers.ts"

const url = process.argv[2]!
const runtime = ManagedRuntime.make(Layer.mergeAll(
  ledgerLayer(url, 4),
  ClusterSimulated({ readinessDelayMs: 0, failNames: /^fail-/, hangNames: /^hang-/, patchFailNames: /^nopatch-/ }),
  Layer.succeed(RenewalPolicy, { retentionDays: 30 })
))
process.stdout.write("started\n")
const counts = await runtime.runPromise(processRenewals({ batch: 50, concurrency: 2 }))
process.stdout.write(`done ${JSON.stringify(counts)}\n`)
await runtime.dispose()
