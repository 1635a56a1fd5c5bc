import { createHash } from "node:crypto"
import { kibibytes, nanocores, parseQuantity } from "./quantity.ts"
import type { Obj } from "./store.ts"

/** A stable phase per object so series differ between pods but stay smooth over time. */
const phaseOf = (seed: string) => createHash("sha256").update(seed).digest()[0]! / 40

const wave = (seed: string, periodMs: number) => Math.sin(Date.now() / periodMs + phaseOf(seed))

/** What a container may use: its limit, else its request, else a small default. */
const budget = (container: Obj, resource: "cpu" | "memory") => {
  const value = container["resources"]?.limits?.[resource] ?? container["resources"]?.requests?.[resource]
  const parsed = parseQuantity(value)
  return Number.isFinite(parsed) && parsed > 0 ? parsed : resource === "cpu" ? 0.5 : 512 * 2 ** 20
}

const containerUsage = (pod: Obj, container: Obj) => {
  const seed = `${pod["metadata"].uid}/${container["name"]}`
  return {
    cpu: budget(container, "cpu") * (0.2 + 0.1 * wave(seed, 60_000)),
    memory: budget(container, "memory") * (0.4 + 0.05 * wave(`${seed}m`, 300_000))
  }
}

const running = (pod: Obj) =>
  pod["status"]?.phase === "Running" &&
  (pod["status"]?.containerStatuses as Array<Obj> | undefined)?.some((c) => c["state"]?.running) === true

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z")

/** metrics.k8s.io PodMetrics: synthetic, plausible usage (10–30 % CPU, 35–45 % memory of the limit). */
export const podMetrics = (pods: ReadonlyArray<Obj>): Array<Obj> =>
  pods.filter(running).map((pod) => ({
    kind: "PodMetrics",
    apiVersion: "metrics.k8s.io/v1beta1",
    metadata: {
      name: pod["metadata"].name,
      namespace: pod["metadata"].namespace,
      creationTimestamp: now(),
      labels: pod["metadata"].labels ?? {}
    },
    timestamp: now(),
    window: "15s",
    containers: ((pod["spec"]?.containers ?? []) as Array<Obj>).map((c) => {
      const usage = containerUsage(pod, c)
      return { name: c["name"], usage: { cpu: nanocores(usage.cpu), memory: kibibytes(usage.memory) } }
    })
  }))

/** metrics.k8s.io NodeMetrics: the node's pods plus a system baseline. */
export const nodeMetrics = (nodes: ReadonlyArray<Obj>, pods: ReadonlyArray<Obj>): Array<Obj> =>
  nodes.map((node) => {
    const onNode = pods.filter((p) => running(p) && p["spec"]?.nodeName === node["metadata"].name)
    const usages = onNode.flatMap((p) => ((p["spec"]?.containers ?? []) as Array<Obj>).map((c) => containerUsage(p, c)))
    return {
      kind: "NodeMetrics",
      apiVersion: "metrics.k8s.io/v1beta1",
      metadata: { name: node["metadata"].name, creationTimestamp: now(), labels: node["metadata"].labels ?? {} },
      timestamp: now(),
      window: "20s",
      usage: {
        cpu: nanocores(0.25 + usages.reduce((s, u) => s + u.cpu, 0)),
        memory: kibibytes(2 ** 30 + usages.reduce((s, u) => s + u.memory, 0))
      }
    }
  })
