/** A renewal scheduler replica in its own process (killed with SIGKILL by a durability test). */
import { Layer, ManagedRuntime } from "effect"
import { ClusterMemory } from "../../adapters/memory/cluster.ts"
import { ProvisioningPolicy } from "../../application/subscription/naming.ts"
import { processRenewals, RenewalPolicy } from "../../application/renewals/useCases.ts"
import { postgresLayer } from "../../infra/layers.ts"

const url = process.argv[2]!
const runtime = ManagedRuntime.make(
  Layer.mergeAll(
    postgresLayer(url, 4),
    ClusterMemory(),
    Layer.succeed(ProvisioningPolicy, { baseDomain: "apps.test", timeoutSeconds: 300, namespacePrefix: "user-" }),
    Layer.succeed(RenewalPolicy, { retentionDays: 30 })
  )
)
process.stdout.write("started\n")
const counts = await runtime.runPromise(processRenewals({ batch: 50, concurrency: 2 }))
process.stdout.write(`done ${JSON.stringify(counts)}\n`)
await runtime.dispose()
