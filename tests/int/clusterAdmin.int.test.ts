import { Effect, Either, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Cluster } from "../../application/ports/cluster.ts"
import { cleanupOrphans, clusterHealth, orphanedPods } from "../../application/subscription/clusterAdmin.ts"
import { postgresLayer } from "../../infra/layers.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { instanceSpec } from "../support/instanceMother.ts"
import { clusterOn } from "../support/clusterOnSimulator.ts"
import { type RunningKubeSimulator, startKubeSimulator } from "../support/kubeSimulator.ts"

let db: TestDatabase
let runtime: ManagedRuntime.ManagedRuntime<any, never>
let sim: RunningKubeSimulator
beforeAll(async () => {
  db = await createTestDatabase()
  sim = await startKubeSimulator(db.sql)
  runtime = ManagedRuntime.make(Layer.merge(postgresLayer(db.url, 4), clusterOn(sim)))
})
afterAll(async () => {
  await runtime.dispose()
  await sim.stop()
  await db.drop()
})

describe("orphaned resources", () => {
  it("are found (no subscription holds them) and removed only with an explicit confirmation", async () => {
    await runtime.runPromise(Effect.flatMap(Cluster, (c) => c.apply(instanceSpec({ name: "leftover" }))))
    const orphans = await runtime.runPromise(orphanedPods())
    expect(orphans.map((o) => o.name)).toEqual([expect.stringMatching(/^leftover-/)])
    expect((await runtime.runPromise(clusterHealth())).orphaned).toBe(1)
    const refused = await runtime.runPromise(
      Effect.either(cleanupOrphans(false, { adminId: "admin-1", reason: "test" }))
    )
    expect(Either.isLeft(refused) && refused.left._tag).toBe("FieldInvalid")
    expect((await runtime.runPromise(cleanupOrphans(true, { adminId: "admin-1", reason: "test" }))).removed).toEqual([
      { namespace: orphans[0]!.namespace, name: orphans[0]!.name }
    ])
    expect(await runtime.runPromise(orphanedPods())).toEqual([])
  })
})
