import { Effect, Either, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { setPlanQuota } from "../../application/catalog/useCases.ts"
import { creditTopUp } from "../../application/ledger/useCases.ts"
import { Catalog } from "../../application/ports/catalog.ts"
import { SubscriptionQueries } from "../../application/ports/subscriptionQueries.ts"
import { WalletQueries } from "../../application/ports/walletQueries.ts"
import { Cluster } from "../../application/ports/cluster.ts"
import { instanceSpecOf } from "../../application/subscription/instanceSpec.ts"
import { locate, ProvisioningPolicy } from "../../application/subscription/naming.ts"
import { makeKubernetesCluster } from "../../adapters/kubernetes/cluster.ts"
import { failProvisioning } from "../../application/subscription/provisioning.ts"
import { adminRefund } from "../../application/subscription/admin.ts"
import { cancelSubscription, subscribe, upgradeSubscription } from "../../application/subscription/useCases.ts"
import { postgresLayer } from "../../infra/layers.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { adapterOptions, clusterOn } from "../support/clusterOnSimulator.ts"
import { type RunningKubeSimulator, startKubeSimulator } from "../support/kubeSimulator.ts"
import { system } from "../support/ledgerMother.ts"

const ghostBasic = "90000000-0000-4000-8000-000000000004"
const n8nBasic = "90000000-0000-4000-8000-000000000002"
const n8nPro = "90000000-0000-4000-8000-000000000003"
const wordpressBasic = "90000000-0000-4000-8000-000000000006"

let db: TestDatabase
let sim: RunningKubeSimulator
const makeRuntime = (url: string) => ManagedRuntime.make(Layer.merge(postgresLayer(url, 50), clusterOn(sim)))
let runtime: ReturnType<typeof makeRuntime>

beforeAll(async () => {
  db = await createTestDatabase()
  sim = await startKubeSimulator(db.sql)
  runtime = makeRuntime(db.url)
})
afterAll(async () => {
  await runtime.dispose()
  await sim.stop()
  await db.drop()
})

const user = (i: number) => `55555555-0000-4000-8000-${String(i).padStart(12, "0")}`
const fund = (userId: string, amount: number) =>
  runtime.runPromise(creditTopUp({ userId, paymentReference: `fund-${userId}`, amount }, system))
const balanceOf = (userId: string) =>
  runtime.runPromise(Effect.flatMap(WalletQueries, (q) => q.summary(userId))).then((s) => s.balance)

describe("the recorded cancellation refund is what the ledger refunded", () => {
  const recordedAndLedger = async (userId: string, subscriptionId: string) => {
    const [cancelled] = await db.sql<Array<{ data: { refunded: number } }>>`
      select data from events where stream_id = ${`subscription-${subscriptionId}`} and type = 'SubscriptionCancelled'`
    const refunds = await db.sql<Array<{ data: { amount: number; reference: string } }>>`
      select data from events where stream_id = ${`wallet-${userId}`} and type = 'ChargeRefunded'`
    const byCancel = refunds
      .filter((r) => r.data.reference.startsWith(`cancel:${subscriptionId}:`))
      .reduce((sum, r) => sum + r.data.amount, 0)
    return {
      recorded: cancelled!.data.refunded,
      ledger: byCancel,
      allRefunds: refunds.reduce((sum, r) => sum + r.data.amount, 0)
    }
  }

  it.each(["prorated", "full", "none"] as const)(
    "%s refund after an administrator already refunded part of the charge",
    async (refund) => {
      const u = user(700 + ["prorated", "full", "none"].indexOf(refund))
      await fund(u, 100_000)
      const sub = await runtime.runPromise(subscribe({ userId: u, planId: ghostBasic }, system)) // 75,000
      await runtime.runPromise(adminRefund("admin", sub.id, 60_000, "goodwill"))
      await runtime.runPromise(cancelSubscription(u, sub.id, { by: u, reason: "leaving", refund }, system))
      const { recorded, ledger, allRefunds } = await recordedAndLedger(u, sub.id)
      expect(recorded).toBe(ledger)
      // Only the 15,000 left of the charge could come back (all of it at once: the period just began).
      expect(recorded).toBe(refund === "none" ? 0 : 15_000)
      expect(allRefunds).toBe(60_000 + recorded)
      expect(await balanceOf(u)).toBe(25_000 + allRefunds)
    }
  )
})

describe("subscriptions on Postgres under concurrency", () => {
  it("50 parallel subscribes for a plan with 10 free slots: exactly 10 succeed and only they are charged", async () => {
    await runtime.runPromise(setPlanQuota("admin", ghostBasic, 10))
    const users = Array.from({ length: 50 }, (_, i) => user(i))
    await Promise.all(users.map((u) => fund(u, 100_000)))
    const results = await Promise.all(
      users.map((u) => runtime.runPromise(Effect.either(subscribe({ userId: u, planId: ghostBasic }, system))))
    )
    const won = results.filter(Either.isRight)
    expect(won).toHaveLength(10)
    expect(results.filter(Either.isLeft).map((r) => r.left._tag)).toEqual(Array(40).fill("QuotaExceeded"))
    const balances = await Promise.all(users.map(balanceOf))
    expect(balances.filter((b) => b === 25_000)).toHaveLength(10) // charged 75,000
    expect(balances.filter((b) => b === 100_000)).toHaveLength(40)
    const plan = await runtime.runPromise(Effect.flatMap(Catalog, (c) => c.planById(ghostBasic)))
    expect(plan).toMatchObject({ totalQuota: 10, usedQuota: 10, availableQuota: 0 })
  })

  it("a plan filling up while an administrator changes its capacity: never more holders than the capacity in force, every refusal typed", async () => {
    await runtime.runPromise(setPlanQuota("admin", n8nPro, 12))
    const users = Array.from({ length: 24 }, (_, i) => user(500 + i))
    await Promise.all(users.map((u) => fund(u, 150_000)))
    const capacities = [6, 20, 8, 15, 10]
    const [subscribes, changes] = await Promise.all([
      Promise.all(
        users.map((u) => runtime.runPromise(Effect.either(subscribe({ userId: u, planId: n8nPro }, system))))
      ),
      Promise.all(capacities.map((c) => runtime.runPromise(Effect.either(setPlanQuota("admin", n8nPro, c)))))
    ])
    expect(
      subscribes
        .filter(Either.isLeft)
        .map((r) => r.left._tag)
        .every((tag) => tag === "QuotaExceeded")
    ).toBe(true)
    expect(
      changes
        .filter(Either.isLeft)
        .map((r) => r.left._tag)
        .every((tag) => tag === "CapacityBelowUsage")
    ).toBe(true)
    const won = subscribes.filter(Either.isRight).length
    const plan = await runtime.runPromise(Effect.flatMap(Catalog, (c) => c.planById(n8nPro)))
    expect(plan!.usedQuota).toBe(won)
    expect(plan!.usedQuota).toBeLessThanOrEqual(plan!.totalQuota)
    // The capacity in force is the last change that succeeded, in commit order: one of those asked for.
    expect([12, ...capacities]).toContain(plan!.totalQuota)
    const charged = (await Promise.all(users.map(balanceOf))).filter((b) => b === 0).length
    expect(charged).toBe(won)
    // Room again for the later tests that move subscriptions onto this plan.
    await runtime.runPromise(setPlanQuota("admin", n8nPro, plan!.usedQuota + 50))
  })

  it("the same user subscribing to one service twice at once gets one subscription", async () => {
    const u = user(100)
    await fund(u, 500_000)
    const results = await Promise.all(
      [1, 2, 3].map(() => runtime.runPromise(Effect.either(subscribe({ userId: u, planId: n8nBasic }, system))))
    )
    expect(results.filter(Either.isRight)).toHaveLength(1)
    expect(results.filter(Either.isLeft).map((r) => r.left._tag)).toEqual([
      "DuplicateSubscription",
      "DuplicateSubscription"
    ])
    expect(await balanceOf(u)).toBe(450_000)
  })

  it("an upgrade whose cluster patch fails keeps the old plan and moves no money", async () => {
    const u = user(300)
    await fund(u, 500_000)
    const sub = await runtime.runPromise(
      subscribe({ userId: u, planId: n8nBasic, instanceName: "nopatch-flows" }, system)
    )
    await runtime.runPromise(
      Effect.flatMap(Effect.zip(Cluster, instanceSpecOf(sub)), ([cluster, spec]) => cluster.apply(spec))
    )
    const before = await balanceOf(u)
    const failed = await runtime.runPromise(
      Effect.either(upgradeSubscription(u, sub.id, n8nPro, { bonus: false }, system))
    )
    expect(Either.isLeft(failed) && failed.left._tag).toBe("ClusterRejected") // the simulator refuses this name's template changes (422)
    expect(await balanceOf(u)).toBe(before)
    const view = await runtime.runPromise(Effect.flatMap(SubscriptionQueries, (q) => q.find(sub.id)))
    expect(view!.planId).toBe(n8nBasic)
  })

  describe("an upgrade refused by the ledger", () => {
    const instance = async (u: string, funds: number, instanceName: string) => {
      await fund(u, funds)
      const sub = await runtime.runPromise(subscribe({ userId: u, planId: n8nBasic, instanceName }, system))
      await runtime.runPromise(
        Effect.flatMap(Effect.zip(Cluster, instanceSpecOf(sub)), ([cluster, spec]) => cluster.apply(spec))
      )
      const { namespace, name } = await runtime.runPromise(locate(sub))
      const kube = (path: string) => fetch(`${sim.baseUrl}/dev/kube${path}`).then((r) => r.json() as Promise<any>)
      const resources = async () => ({
        containers: (
          await kube(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`)
        ).spec.template.spec.containers.map((c: { name: string; resources: unknown }) => ({
          name: c.name,
          resources: c.resources
        })),
        quota: (await kube(`/api/v1/namespaces/${namespace}/resourcequotas`)).items.map(
          (q: { spec: unknown }) => q.spec
        ),
        volumes: (await kube(`/api/v1/namespaces/${namespace}/persistentvolumeclaims`)).items.map(
          (v: { spec: { resources: unknown } }) => v.spec.resources
        )
      })
      return { sub, name, resources }
    }
    const planOf = async (subscriptionId: string) =>
      (await runtime.runPromise(Effect.flatMap(SubscriptionQueries, (q) => q.find(subscriptionId))))!.planId

    it("when the log already refuses it (credit short), the cluster is never patched: resources and volume as they were, no money moved", async () => {
      const u = user(310)
      const { sub, resources } = await instance(u, 60_000, "refused-upgrade")
      const before = await resources()
      const refused = await runtime.runPromise(
        Effect.either(upgradeSubscription(u, sub.id, n8nPro, { bonus: false }, system))
      )
      expect(Either.isLeft(refused) && refused.left._tag).toBe("InsufficientCredit")
      // A patched volume could never shrink back (Kubernetes refuses smaller claims): the dry run answers first.
      expect(await resources()).toEqual(before)
      expect(await balanceOf(u)).toBe(10_000)
      expect(await planOf(sub.id)).toBe(n8nBasic)
    })

    it("when the credit goes while the cluster is being patched, the refusal puts the old plan's resources back and moves no money", async () => {
      const u = user(311)
      const { sub, name, resources } = await instance(u, 200_000, "raced-upgrade")
      const before = await resources()
      // The deployment's patch is held in the simulator (below the adapter's request timeout of this runtime) ...
      const patient = ManagedRuntime.make(
        Layer.merge(
          postgresLayer(db.url, 5),
          Layer.mergeAll(
            Layer.succeed(Cluster, makeKubernetesCluster({ ...adapterOptions(sim), requestTimeoutMs: 30_000 }).service),
            Layer.succeed(ProvisioningPolicy, {
              baseDomain: "apps.test",
              timeoutSeconds: 300,
              namespacePrefix: "user-"
            })
          )
        )
      )
      try {
        const deploymentPatches = () =>
          sim.simulator.requests().filter((r) => r.verb === "patch" && r.resource === "deployments" && r.name === name)
            .length
        const patchesBefore = deploymentPatches()
        sim.simulator.faults.inject({ kind: "delay", ms: 5_000, verb: "patch", resource: "deployments", name })
        const upgrade = patient.runPromise(
          Effect.either(upgradeSubscription(u, sub.id, n8nPro, { bonus: false }, system))
        )
        // ... and once it has arrived (explicit synchronisation: the simulator's request log), the wallet is emptied.
        await expect.poll(deploymentPatches, { interval: 20, timeout: 20_000 }).toBe(patchesBefore + 1)
        await runtime.runPromise(subscribe({ userId: u, planId: wordpressBasic }, system))
        const refused = await upgrade
        expect(Either.isLeft(refused) && refused.left._tag).toBe("InsufficientCredit")
      } finally {
        await patient.dispose()
      }
      const after = await resources()
      expect(after.containers).toEqual(before.containers)
      // The namespace's quota is the sum of the plans on record (the WordPress site included): what applying them now gives.
      const recorded = (await runtime.runPromise(Effect.flatMap(SubscriptionQueries, (q) => q.find(sub.id))))!
      await runtime.runPromise(
        Effect.flatMap(Effect.zip(Cluster, instanceSpecOf(recorded)), ([cluster, spec]) => cluster.apply(spec))
      )
      expect(after.quota).toEqual((await resources()).quota)
      expect(await balanceOf(u)).toBe(90_000) // 200,000 − 50,000 (n8n basic) − 60,000 (the WordPress site that won the race)
      expect(await planOf(sub.id)).toBe(n8nBasic)
    })
  })

  it("a failed provisioning is refunded exactly once even when two workers (replicas) finish it at once", async () => {
    const u = user(400)
    await fund(u, 100_000)
    const sub = await runtime.runPromise(subscribe({ userId: u, planId: n8nBasic, instanceName: "fail-twice" }, system))
    const replica = makeRuntime(db.url)
    try {
      await Promise.all([
        runtime.runPromise(failProvisioning(sub, "boom")),
        replica.runPromise(failProvisioning(sub, "boom")),
        runtime.runPromise(failProvisioning(sub, "boom"))
      ])
    } finally {
      await replica.dispose()
    }
    expect(await balanceOf(u)).toBe(100_000)
    const [refunds] = await db.sql<
      Array<{ n: number }>
    >`select count(*)::int as n from ledger_entries where user_id = ${u} and type = 'REFUND'`
    expect(refunds!.n).toBe(1)
    const [failures] = await db.sql<
      Array<{ n: number }>
    >`select count(*)::int as n from events where stream_id = ${`subscription-${sub.id}`} and type = 'InstanceProvisioningFailed'`
    expect(failures!.n).toBe(1)
  })

  it("two parallel upgrades of one subscription: one wins, the other gets a conflict, one charge", async () => {
    const u = user(200)
    await fund(u, 500_000)
    const sub = await runtime.runPromise(subscribe({ userId: u, planId: n8nBasic }, system))
    const before = await balanceOf(u)
    const proBefore = await runtime.runPromise(Effect.flatMap(Catalog, (c) => c.planById(n8nPro)))
    const results = await Promise.all(
      [1, 2].map(() =>
        runtime.runPromise(Effect.either(upgradeSubscription(u, sub.id, n8nPro, { bonus: false }, system)))
      )
    )
    expect(results.filter(Either.isRight)).toHaveLength(1)
    expect(results.filter(Either.isLeft).map((r) => r.left._tag)).toEqual(["UpgradeRequired"])
    const [charges] = await db.sql<
      Array<{ n: number }>
    >`select count(*)::int as n from ledger_entries where user_id = ${u} and type = 'UPGRADE'`
    expect(charges!.n).toBe(1)
    expect(await balanceOf(u)).toBeLessThan(before)
    const plan = await runtime.runPromise(Effect.flatMap(Catalog, (c) => c.planById(n8nPro)))
    expect(plan!.usedQuota).toBe(proBefore!.usedQuota + 1)
  })
})
