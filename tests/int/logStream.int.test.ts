import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeKubeClient } from "../../adapters/kubernetes/client.ts"
import { makeKubernetesCluster } from "../../adapters/kubernetes/cluster.ts"
import { LogStreamKubernetes } from "../../adapters/kubernetes/logs.ts"
import { type LogEvent, LogStream } from "../../application/ports/logStream.ts"
import { adapterOptions } from "../support/clusterOnSimulator.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { instanceSpec } from "../support/instanceMother.ts"
import { type RunningKubeSimulator, startKubeSimulator } from "../support/kubeSimulator.ts"

let db: TestDatabase
let sim: RunningKubeSimulator

beforeAll(async () => {
  db = await createTestDatabase()
  sim = await startKubeSimulator(db.sql, { readyDelayMs: 100, logIntervalMs: 20 })
})
afterAll(async () => {
  await sim?.stop()
  await db?.drop()
})

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

/** The events of one follow, and a way to wait for one matching. */
const following = async (
  logs: Effect.Effect.Success<typeof LogStream>,
  namespace: string,
  name: string,
  container: "app" | "database"
) => {
  const events: Array<LogEvent> = []
  const waiters: Array<() => void> = []
  const follow = await run(
    logs.follow(namespace, name, { tailLines: 5, container }, (e) => {
      events.push(e)
      for (const w of waiters.splice(0)) w()
    })
  )
  const until = (predicate: (e: LogEvent, i: number) => boolean) =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not seen: ${JSON.stringify(events.slice(-3))}`)), 15_000)
      const check = () => {
        const i = events.findIndex(predicate)
        if (i >= 0) {
          clearTimeout(timer)
          return resolve(i)
        }
        waiters.push(check)
      }
      check()
    })
  return { events, until, stop: follow.stop }
}

describe("LogStream on the Kubernetes adapter (client-node's Log against the simulator)", () => {
  it("follows the chosen container; resumes on the same pod without duplicates when the stream drops; says so when the pod is replaced", async () => {
    const options = adapterOptions(sim)
    const kube = makeKubeClient(options)
    const cluster = makeKubernetesCluster(options, kube).service
    const logs = await run(Effect.provide(LogStream, LogStreamKubernetes(kube)))
    const spec = instanceSpec()
    await run(cluster.apply(spec))
    expect(await run(cluster.awaitReadiness(spec.namespace, spec.name, 20_000))).toEqual({ _tag: "Ready" })

    const database = await following(logs, spec.namespace, spec.name, "database")
    const first = database.events[await database.until((e) => e._tag === "Attached")]
    expect(first).toMatchObject({ _tag: "Attached", previous: null })
    expect((first as { pod: string }).pod).toMatch(new RegExp(`^${spec.name}-db-`))
    database.stop()

    const app = await following(logs, spec.namespace, spec.name, "app")
    await app.until((e, i) => e._tag === "Line" && i > 8)
    expect(sim.simulator.faults.dropLogs()).toBeGreaterThan(0) // the connection drops; the pod stays
    const dropped = app.events.length
    await app.until((e, i) => e._tag === "Line" && i > dropped + 10)
    const lines = app.events.filter((e): e is Extract<LogEvent, { _tag: "Line" }> => e._tag === "Line")
    expect(app.events.filter((e) => e._tag === "Attached")).toHaveLength(1) // resumed, not re-announced
    for (const line of lines) expect(line.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    const stamps = lines.slice(5).map((l) => l.timestamp!) // after the tail: one line per 20 ms, so distinct
    expect(new Set(stamps).size).toBe(stamps.length)
    expect([...stamps].sort()).toEqual(stamps)

    await run(cluster.restart(spec.namespace, spec.name, new Date().toISOString()))
    const at = await app.until((e) => e._tag === "Attached" && e.previous !== null)
    expect(app.events[at]).toMatchObject({ previous: (app.events[0] as { pod: string }).pod })
    app.stop()
  })
})
