import { describe, expect, it } from "vitest"
import {
  assessHealth,
  decideHealth,
  decideMaintenance,
  desiredRunOf,
  noInstanceOps,
  type ObservedInstance,
  type ObservedPod,
  planRepair,
  replayInstanceOps
} from "../../domain/operations/index.ts"

/** Object mother: an instance with an app and a database, both ready. */
const pod = (component: "app" | "database", over: Partial<ObservedPod> = {}): ObservedPod => ({
  name: `${component}-pod`,
  component,
  ready: true,
  restarts: 0,
  waitingReason: undefined,
  node: "node-1",
  terminating: false,
  ...over
})
const instance = (over: Partial<ObservedInstance> = {}): ObservedInstance => ({
  namespace: "user-1",
  name: "ghost-1",
  instanceId: "s-1",
  deployments: [
    { name: "ghost-1", component: "app", replicas: 1, readyReplicas: 1 },
    { name: "ghost-1-db", component: "database", replicas: 1, readyReplicas: 1 }
  ],
  pods: [pod("app"), pod("database")],
  ...over
})
const crashing = (component: "app" | "database", restarts: number) =>
  pod(component, { ready: false, restarts, waitingReason: "CrashLoopBackOff" })
const now = "2026-03-01T00:00:00.000Z"

describe("what should run", () => {
  it("follows the subscription and instance status; provisioning and ended instances are not the loop's", () => {
    expect(desiredRunOf("ACTIVE", "RUNNING")).toBe("running")
    expect(desiredRunOf("ACTIVE", "STARTING")).toBe("running") // e.g. reactivated after a suspension
    expect(desiredRunOf("ACTIVE", "STOPPED")).toBe("stopped")
    expect(desiredRunOf("SUSPENDED", "SUSPENDED")).toBe("stopped")
    expect(desiredRunOf("PENDING_DEPLOYMENT", "PROVISIONING")).toBeUndefined()
    expect(desiredRunOf("CANCELLED", "TERMINATED")).toBeUndefined()
    expect(desiredRunOf("FAILED", "ERROR")).toBeUndefined()
  })
})

describe("planning a repair", () => {
  it("given a missing Deployment (app or expected database), then re-apply", () => {
    expect(planRepair("running", undefined, false)?.repair).toBe("reapplied")
    const noDb = instance({ deployments: [{ name: "ghost-1", component: "app", replicas: 1, readyReplicas: 1 }] })
    expect(planRepair("running", noDb, true)).toEqual({ repair: "reapplied", found: "Deployment missing (database)" })
    expect(planRepair("running", noDb, false)).toBeUndefined()
  })
  it("given a stopped (or suspended) instance scaled up, then scale down; a running one at 0, then scale up", () => {
    expect(planRepair("stopped", instance(), true)?.repair).toBe("scaledDown")
    const atZero = instance({
      deployments: instance().deployments.map((d) => ({ ...d, replicas: 0, readyReplicas: 0 })),
      pods: []
    })
    expect(planRepair("stopped", atZero, true)).toBeUndefined()
    expect(planRepair("running", atZero, true)?.repair).toBe("scaledUp")
    expect(planRepair("running", instance(), true)).toBeUndefined()
  })
})

describe("assessing health", () => {
  it("all ready → HEALTHY; starting without failures → no verdict", () => {
    expect(assessHealth(instance(), 3)).toEqual({ status: "HEALTHY", reason: null })
    const starting = instance({
      deployments: [{ name: "ghost-1", component: "app", replicas: 1, readyReplicas: 0 }],
      pods: [pod("app", { ready: false, waitingReason: "ContainerCreating" })]
    })
    expect(assessHealth(starting, 3)).toBeUndefined()
  })
  it("a crash loop counts only from the threshold on", () => {
    const db = (restarts: number) =>
      instance({
        pods: [pod("app"), crashing("database", restarts)],
        deployments: [
          instance().deployments[0]!,
          { name: "ghost-1-db", component: "database", replicas: 1, readyReplicas: 0 }
        ]
      })
    expect(assessHealth(db(2), 3)).toBeUndefined()
    expect(assessHealth(db(3), 3)).toEqual({
      status: "DEGRADED",
      reason: "database pod database-pod: CrashLoopBackOff"
    })
  })
  it("the app with no ready pod → DOWN; an image that cannot be pulled counts at once", () => {
    expect(assessHealth(instance({ pods: [crashing("app", 5), pod("database")] }), 3)?.status).toBe("DOWN")
    expect(
      assessHealth(
        instance({ pods: [pod("app", { ready: false, waitingReason: "ImagePullBackOff" }), pod("database")] }),
        3
      )
    ).toEqual({ status: "DOWN", reason: "app pod app-pod: ImagePullBackOff" })
    expect(assessHealth(undefined, 3)).toEqual({ status: "DOWN", reason: "Deployment missing" })
  })
})

describe("recording health", () => {
  it("given no verdict yet, when HEALTHY is found, then one event; the same verdict again, none; a change, one", () => {
    const first = decideHealth(noInstanceOps, "s-1", { status: "HEALTHY", reason: null }, now)
    expect(first).toEqual([
      { _tag: "InstanceHealthChanged", subscriptionId: "s-1", status: "HEALTHY", reason: null, at: now }
    ])
    const healthy = replayInstanceOps(noInstanceOps, first)
    expect(decideHealth(healthy, "s-1", { status: "HEALTHY", reason: null }, now)).toEqual([])
    expect(decideHealth(healthy, "s-1", undefined, now)).toEqual([])
    expect(decideHealth(healthy, "s-1", { status: "DOWN", reason: "x" }, now)).toHaveLength(1)
  })
})

describe("maintenance", () => {
  it("given none, when enabled, then started (by whom, why); enabling again changes nothing; disabling ends it", () => {
    const cmd = { subscriptionId: "s-1", by: "admin-1", reason: "disk check", now }
    const started = decideMaintenance(noInstanceOps, { ...cmd, enabled: true })
    expect(started).toEqual([
      { _tag: "MaintenanceStarted", subscriptionId: "s-1", by: "admin-1", reason: "disk check", at: now }
    ])
    const during = replayInstanceOps(noInstanceOps, started)
    expect(during.maintenance).toEqual({ by: "admin-1", reason: "disk check", since: now })
    expect(decideMaintenance(during, { ...cmd, enabled: true })).toEqual([])
    expect(replayInstanceOps(during, decideMaintenance(during, { ...cmd, enabled: false })).maintenance).toBeUndefined()
    expect(decideMaintenance(noInstanceOps, { ...cmd, enabled: false })).toEqual([])
  })
})
