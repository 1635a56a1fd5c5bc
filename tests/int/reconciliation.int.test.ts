import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeKubeClient } from "../../adapters/kubernetes/client.ts"
import { crashAnnotation } from "../../adapters/kubesim/controller.ts"
import { creditTopUp } from "../../application/ledger/useCases.ts"
import {
  reconcileInstances,
  ReconciliationPolicy,
  runReconciliation
} from "../../application/operations/reconciliation.ts"
import { Cluster } from "../../application/ports/cluster.ts"
import { InstanceOpsQueries } from "../../application/ports/instanceOps.ts"
import { SubscriptionQueries } from "../../application/ports/subscriptionQueries.ts"
import { WalletQueries } from "../../application/ports/walletQueries.ts"
import { locate } from "../../application/subscription/naming.ts"
import { controlInstance } from "../../application/subscription/instances.ts"
import { bringUp } from "../../application/subscription/provisioning.ts"
import { subscribe } from "../../application/subscription/useCases.ts"
import { postgresLayer } from "../../infra/layers.ts"
import { adapterOptions, clusterOn } from "../support/clusterOnSimulator.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { type RunningKubeSimulator, startKubeSimulator } from "../support/kubeSimulator.ts"
import { system } from "../support/ledgerMother.ts"

const n8nBasic = "90000000-0000-4000-8000-000000000002"
const ghostBasic = "90000000-0000-4000-8000-000000000004"

let db: TestDatabase
let sim: RunningKubeSimulator
let kube: ReturnType<typeof makeKubeClient>
const replicaLayer = (replica: string) =>
  Layer.mergeAll(
    postgresLayer(db.url, 8),
    clusterOn(sim),
    Layer.succeed(ReconciliationPolicy, { crashLoopRestarts: 3, replica })
  )
let runtime: ManagedRuntime.ManagedRuntime<Layer.Layer.Success<ReturnType<typeof replicaLayer>>, never>

beforeAll(async () => {
  db = await createTestDatabase()
  sim = await startKubeSimulator(db.sql, { readyDelayMs: 100 })
  kube = makeKubeClient(adapterOptions(sim))
  runtime = ManagedRuntime.make(replicaLayer("replica-a"))
})
afterAll(async () => {
  await runtime?.dispose()
  await sim?.stop()
  await db?.drop()
})

const run = <A, E>(effect: Effect.Effect<A, E, any>) => runtime.runPromise(effect as Effect.Effect<A, E, never>)
const until = async <A>(probe: () => Promise<A | undefined | false>, what: string, timeoutMs = 20_000): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

let users = 0
/** A funded user's instance, provisioned on the simulator and RUNNING. */
const runningInstance = async (planId = n8nBasic, instanceName?: string) => {
  const userId = `66666666-0000-4000-8000-${String(++users).padStart(12, "0")}`
  await run(creditTopUp({ userId, paymentReference: `fund-${userId}`, amount: 1_000_000 }, system))
  const sub = await run(subscribe({ userId, planId, ...(instanceName ? { instanceName } : {}) }, system))
  await run(bringUp(sub))
  const view = await run(Effect.flatMap(SubscriptionQueries, (q) => q.find(sub.id)))
  expect(view!.instanceStatus).toBe("RUNNING")
  return { view: view!, at: await run(locate(view!)) }
}
const deployment = (namespace: string, name: string) =>
  Effect.runPromise(kube.read("apps/v1", "Deployment", namespace, name)) as Promise<any>
const opsOf = (id: string) => run(Effect.flatMap(InstanceOpsQueries, (q) => q.find(id)))
const balanceOf = (userId: string) =>
  run(Effect.flatMap(WalletQueries, (q) => q.summary(userId))).then((s) => s.balance)
const businessEvents = async () =>
  (await db.sql`select count(*)::int as n from events where stream_id not like 'instance-ops-%'`)[0]!["n"] as number

describe("the reconciliation loop", () => {
  it("re-applies a Deployment deleted behind MinisPod's back within one run, and writes nothing but its own record", async () => {
    const { view, at } = await runningInstance()
    await Effect.runPromise(kube.remove("apps/v1", "Deployment", at.namespace, at.name))
    await until(async () => (await deployment(at.namespace, at.name)) === undefined, "the deletion")
    const [balance, events] = [await balanceOf(view.userId), await businessEvents()]
    const counts = await run(reconcileInstances())
    expect(counts).toMatchObject({ reapplied: 1, failed: 0 })
    expect((await deployment(at.namespace, at.name))?.spec.replicas).toBe(1)
    expect((await opsOf(view.id))?.lastRepair?.repair).toBe("reapplied")
    // It never charges or refunds: no event outside instance-ops streams, the balance unchanged.
    expect(await businessEvents()).toBe(events)
    expect(await balanceOf(view.userId)).toBe(balance)
    // Once repaired, the next run finds nothing to do.
    expect(await run(reconcileInstances())).toMatchObject({ reapplied: 0, scaledUp: 0, scaledDown: 0 })
  })

  it("scales back a stopped instance someone scaled up, and scales up a running one someone scaled to 0", async () => {
    const stopped = await runningInstance(ghostBasic)
    await run(controlInstance(stopped.view.userId, stopped.view.id, "stop"))
    await Effect.runPromise(kube.scale(stopped.at.namespace, stopped.at.name, 1))
    const running = await runningInstance()
    await Effect.runPromise(kube.scale(running.at.namespace, running.at.name, 0))
    const counts = await run(reconcileInstances())
    expect(counts).toMatchObject({ scaledDown: 1, scaledUp: 1, failed: 0 })
    expect((await deployment(stopped.at.namespace, stopped.at.name)).spec.replicas).toBe(0)
    expect((await deployment(running.at.namespace, running.at.name)).spec.replicas).toBe(1)
    expect((await opsOf(stopped.view.id))?.lastRepair?.repair).toBe("scaledDown")
    expect((await opsOf(running.view.id))?.lastRepair?.repair).toBe("scaledUp")
  })

  it("an injected crash loop: the database's → DEGRADED, the app's → DOWN (with the reason), recovered → HEALTHY", async () => {
    const { view, at } = await runningInstance(ghostBasic)
    await run(reconcileInstances())
    expect(await opsOf(view.id)).toMatchObject({
      healthStatus: "HEALTHY",
      healthReason: null,
      lastHealthCheck: expect.any(String)
    })
    const inject = (deploymentName: string, crash: string) =>
      Effect.runPromise(
        kube.apply(
          {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: deploymentName, namespace: at.namespace },
            spec: { template: { metadata: { annotations: { [crashAnnotation]: crash } } } }
          } as never,
          "fault-injection"
        )
      )
    const observed = async () => (await run(Effect.flatMap(Cluster, (c) => c.observe))).find((o) => o.name === at.name)
    // Wait for the cluster's condition (restarts past the threshold), not for a time.
    const crashLooping = (component: string) =>
      until(
        async () =>
          (await observed())?.pods.some(
            (p) => p.component === component && p.waitingReason === "CrashLoopBackOff" && p.restarts >= 3
          ),
        `the ${component} crash-looping past 3 restarts`
      )

    await inject(`${at.name}-db`, "true")
    await crashLooping("database")
    expect((await run(reconcileInstances())).healthChanges).toBe(1)
    expect(await opsOf(view.id)).toMatchObject({
      healthStatus: "DEGRADED",
      healthReason: expect.stringMatching(/^database pod .*: CrashLoopBackOff$/)
    })
    expect((await run(reconcileInstances())).healthChanges).toBe(0) // the same verdict: no new event

    await inject(at.name, "true")
    await crashLooping("app")
    await run(reconcileInstances())
    expect(await opsOf(view.id)).toMatchObject({
      healthStatus: "DOWN",
      healthReason: expect.stringContaining("app pod")
    })

    await inject(`${at.name}-db`, "false")
    await inject(at.name, "false")
    await until(async () => {
      const o = await observed()
      return (
        o !== undefined &&
        o.deployments.every((d) => d.readyReplicas === 1) &&
        o.pods.every((p) => p.ready || p.terminating)
      )
    }, "the rollout of healthy pods")
    await run(reconcileInstances())
    expect(await opsOf(view.id)).toMatchObject({ healthStatus: "HEALTHY", healthReason: null })
    const health =
      await db.sql`select data from events where stream_id = ${`instance-ops-${view.id}`} and type = 'InstanceHealthChanged' order by position`
    expect(health.map((e) => e["data"]["status"])).toEqual(["HEALTHY", "DEGRADED", "DOWN", "HEALTHY"])
  })

  it("two replicas running the loop at once: one leads, the other skips", async () => {
    const other = ManagedRuntime.make(replicaLayer("replica-b"))
    try {
      await runningInstance()
      // Replica A's observation is slowed, so it holds the lock while B tries.
      sim.simulator.faults.inject({ kind: "delay", ms: 1_500, verb: "list", resource: "deployments" })
      const first = run(runReconciliation())
      await until(
        async () =>
          (await db.sql`select 1 from pg_locks where locktype = 'advisory' and granted and objid <> 0`).length > 0,
        "replica A taking the lock"
      )
      const second = await other.runPromise(runReconciliation())
      expect(second.ran).toBe(false)
      expect((await first).ran).toBe(true)
      const runs = await db.sql`select replica from reconciliation_runs order by id`
      expect(runs.map((r) => r["replica"])).toEqual(["replica-a"])
    } finally {
      await other.dispose()
    }
  })
})
