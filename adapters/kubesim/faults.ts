/**
 * Fault injection for tests: the next N requests matching a rule fail, are slowed, or conflict.
 * Set through the simulator's handle or `POST /dev/kube/_faults`.
 */
export interface FaultMatch {
  /** RBAC verb: get, list, watch, create, update, patch, delete, deletecollection. */
  readonly verb?: string
  /** Resource plural, optionally with subresource: "deployments", "deployments/scale". */
  readonly resource?: string
  readonly namespace?: string
  readonly name?: string
  /** A substring of the request path (after /dev/kube). */
  readonly path?: string
}

export type Fault = FaultMatch & {
  /** How many matching requests it affects (default 1). */
  readonly count?: number
} & (
    | { readonly kind: "error"; readonly status?: number; readonly message?: string }
    | { readonly kind: "delay"; readonly ms: number }
    /** 409 Conflict; without a verb it hits the next write only. */
    | { readonly kind: "conflict" }
    | { readonly kind: "forbidden" }
  )

export interface RequestInfo {
  readonly verb: string
  readonly apiGroup: string
  readonly resource: string
  readonly subresource: string
  readonly namespace: string
  readonly name: string
  readonly path: string
}

interface Armed {
  readonly fault: Fault
  remaining: number
}

export const makeFaults = () => {
  let armed: Array<Armed> = []
  const writes = ["create", "update", "patch", "delete", "deletecollection"]
  const matches = (f: Fault, r: RequestInfo) =>
    (f.verb === undefined ? f.kind !== "conflict" || writes.includes(r.verb) : f.verb === r.verb) && matchesTarget(f, r)
  const matchesTarget = (m: FaultMatch, r: RequestInfo) =>
    (m.resource === undefined || m.resource === (r.subresource ? `${r.resource}/${r.subresource}` : r.resource)) &&
    (m.namespace === undefined || m.namespace === r.namespace) &&
    (m.name === undefined || m.name === r.name) &&
    (m.path === undefined || r.path.includes(m.path))
  return {
    inject: (fault: Fault) => void armed.push({ fault, remaining: fault.count ?? 1 }),
    clear: () => void (armed = []),
    /** The faults that apply to this request (each use counts down). */
    take: (request: RequestInfo): Array<Fault> => {
      const hits = armed.filter((a) => a.remaining > 0 && matches(a.fault, request))
      for (const hit of hits) hit.remaining--
      armed = armed.filter((a) => a.remaining > 0)
      return hits.map((h) => h.fault)
    },
    pending: () => armed.map((a) => ({ ...a.fault, remaining: a.remaining }))
  }
}

export type Faults = ReturnType<typeof makeFaults>
