import { parseQuantity } from "./quantity.ts"
import type { Obj, Tx } from "./store.ts"

/**
 * The pod admission plugins of a real cluster that tenants meet: LimitRange fills container
 * defaults and enforces its max, ResourceQuota refuses a pod that would exceed the namespace's
 * hard limits (the message is the API server's "exceeded quota: …").
 */
const containersOf = (pod: Obj) => (pod["spec"]?.containers ?? []) as Array<Obj>

const withLimitRangeDefaults = (pod: Obj, limitRanges: Array<Obj>): Obj => {
  const items = limitRanges.flatMap((lr) =>
    ((lr["spec"]?.limits ?? []) as Array<Obj>).filter((l) => l["type"] === "Container")
  )
  if (items.length === 0) return pod
  const containers = containersOf(pod).map((c) => {
    let limits = { ...(c["resources"]?.limits ?? {}) }
    let requests = { ...(c["resources"]?.requests ?? {}) }
    for (const item of items) {
      limits = { ...(item["default"] ?? {}), ...limits }
      requests = { ...limits, ...(item["defaultRequest"] ?? {}), ...requests } // an unset request defaults to the limit
    }
    return {
      ...c,
      resources: {
        ...c["resources"],
        ...(Object.keys(limits).length > 0 ? { limits } : {}),
        ...(Object.keys(requests).length > 0 ? { requests } : {})
      }
    }
  })
  return { ...pod, spec: { ...pod["spec"], containers } }
}

const limitRangeViolation = (pod: Obj, limitRanges: Array<Obj>): string | undefined => {
  for (const lr of limitRanges) {
    for (const item of (lr["spec"]?.limits ?? []) as Array<Obj>) {
      if (item["type"] !== "Container") continue
      for (const c of containersOf(pod)) {
        for (const [resource, max] of Object.entries((item["max"] ?? {}) as Record<string, string>)) {
          const limit = c["resources"]?.limits?.[resource]
          if (limit !== undefined && parseQuantity(limit) > parseQuantity(max))
            return `maximum ${resource} usage per Container is ${max}, but limit is ${limit}`
        }
      }
    }
  }
  return undefined
}

/** What a pod counts against a quota, per quota resource name. */
export const podUsage = (pod: Obj): Record<string, number> => {
  const sum = (kind: "requests" | "limits", resource: string) =>
    containersOf(pod).reduce((total, c) => total + (parseQuantity(c["resources"]?.[kind]?.[resource] ?? 0) || 0), 0)
  return {
    pods: 1,
    "requests.cpu": sum("requests", "cpu"),
    cpu: sum("requests", "cpu"),
    "requests.memory": sum("requests", "memory"),
    memory: sum("requests", "memory"),
    "limits.cpu": sum("limits", "cpu"),
    "limits.memory": sum("limits", "memory")
  }
}

const pvcUsage = (pvc: Obj): Record<string, number> => ({
  persistentvolumeclaims: 1,
  "requests.storage": parseQuantity(pvc["spec"]?.resources?.requests?.storage ?? 0) || 0
})

/** Current usage of a namespace for quota status and checks. */
export const namespaceUsage = async (tx: Tx, namespace: string) => {
  const total: Record<string, number> = {}
  const add = (usage: Record<string, number>) => {
    for (const [k, v] of Object.entries(usage)) total[k] = (total[k] ?? 0) + v
  }
  for (const pod of await tx.list("/pods", namespace))
    if (pod["status"]?.phase !== "Succeeded" && pod["status"]?.phase !== "Failed") add(podUsage(pod))
  for (const pvc of await tx.list("/persistentvolumeclaims", namespace)) add(pvcUsage(pvc))
  total["services"] = (await tx.list("/services", namespace)).length
  total["secrets"] = (await tx.list("/secrets", namespace)).length
  return total
}

const format = (resource: string, value: number) =>
  resource.includes("cpu")
    ? `${Math.round(value * 1000)}m`
    : resource.includes("memory") || resource.includes("storage")
      ? `${Math.round(value / 2 ** 20)}Mi`
      : String(value)

/** The pod as admitted (LimitRange defaults applied), or the reason it is forbidden. */
export const admitPod = async (
  tx: Tx,
  namespace: string,
  pod: Obj
): Promise<{ readonly pod: Obj } | { readonly forbidden: string }> => {
  const limitRanges = await tx.list("/limitranges", namespace)
  const admitted = withLimitRangeDefaults(pod, limitRanges)
  const violation = limitRangeViolation(admitted, limitRanges)
  if (violation !== undefined) return { forbidden: `pods "${pod["metadata"]?.name}" is forbidden: ${violation}` }
  const quotas = await tx.list("/resourcequotas", namespace)
  if (quotas.length === 0) return { pod: admitted }
  const used = await namespaceUsage(tx, namespace)
  const requested = podUsage(admitted)
  for (const quota of quotas) {
    const hard = (quota["spec"]?.hard ?? {}) as Record<string, string>
    const exceeded = Object.entries(hard).filter(
      ([r, h]) => requested[r] !== undefined && requested[r]! > 0 && (used[r] ?? 0) + requested[r]! > parseQuantity(h)
    )
    if (exceeded.length > 0) {
      const list = (f: (r: string, h: string) => string) => exceeded.map(([r, h]) => f(r, h)).join(",")
      return {
        forbidden: `pods "${pod["metadata"]?.name}" is forbidden: exceeded quota: ${quota["metadata"].name}, requested: ${list((r) => `${r}=${format(r, requested[r]!)}`)}, used: ${list((r) => `${r}=${format(r, used[r] ?? 0)}`)}, limited: ${list((r, h) => `${r}=${h}`)}`
      }
    }
  }
  return { pod: admitted }
}

/** A ResourceQuota's status from the namespace's current usage. */
export const quotaStatus = (quota: Obj, used: Record<string, number>) => {
  const hard = (quota["spec"]?.hard ?? {}) as Record<string, string>
  return { hard, used: Object.fromEntries(Object.keys(hard).map((r) => [r, format(r, used[r] ?? 0)])) }
}
