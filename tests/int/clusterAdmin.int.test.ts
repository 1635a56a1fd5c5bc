import { Effect, Either, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ClusterSimulated } from "../../adapters/cluster/simulated.ts"
import { Cluster } from "../../application/ports/cluster.ts"
import { cleanupOrphans, clusterHealth, orphanedPods } from "../../application/subscriptions/clusterAdmin.ts"
import { ledgerLayer } from "../../infra/layers.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"

let db: TestDatabase
let runtime: ManagedRuntime.ManagedRuntime<any, never>
beforeAll(async () => {
  db = await createTestDatabase()
  runtime = ManagedRuntime.make(Layer.merge(ledgerLayer(db.url, 4), ClusterSimulated({ readinessDelayMs: 0, failNames: /^fail-/, hangNames: /^hang-/, patchFailNames: /^nopatch-/ })))
})
afterAll(async () => {
  await runtime.dispose()
  await db.drop()
})

describe("orphaned resources", () => {
  it("are found (no subscription holds them) and removed only with an explicit confirmation", async () => {
    await runtime.runPromise(Effect.flatMap(Cluster, (c) => c.apply({
      instanceId: "00000000-0000-4000-8000-00000000dead", namespace: "user-ghost", name: "leftover", image: "nginx:1", port: 80,
      env: {}, cpuMilli: 100, memoryMb: 128, storageGb: 1, host: "leftover.apps.test"
    })))
    const orphans = await runtime.runPromise(orphanedPods())
    expect(orphans.map((o) => o.name)).toEqual(["leftover"])
    expect((await runtime.runPromise(clusterHealth())).orphaned).toBe(1)
    const refused = await runtime.runPromise(Effect.either(cleanupOrphans(false)))
    expect(Either.isLeft(refused) && refused.left._tag).toBe("FieldInvalid")
    expect((await runtime.runPromise(cleanupOrphans(true))).removed).toEqual([{ namespace: "user-ghost", name: "leftover" }])
    expect(await runtime.runPromise(orphanedPods())).toEqual([])
  })
})
