import type { ResourceDef } from "./resources.ts"
import type { Obj } from "./store.ts"

/** kubectl asks for server-side printing: `Accept: application/json;as=Table;v=v1;g=meta.k8s.io, …`. */
export const wantsTable = (accept: string) => /as=Table/.test(accept)

/** Kubernetes' HumanDuration ("45s", "3m12s", "5h", "12d"). */
export const humanAge = (timestamp: string | undefined) => {
  if (timestamp === undefined) return "<unknown>"
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(timestamp)) / 1000))
  const m = Math.floor(s / 60)
  const h = Math.floor(m / 60)
  const d = Math.floor(h / 24)
  if (s < 120) return `${s}s`
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`
  if (h < 3) return `${m}m`
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`
  if (h < 48) return `${h}h`
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`
  return `${d}d`
}

type Column = readonly [name: string, type: string, cell: (o: Obj) => string | number, priority?: number]

const age: Column = ["Age", "string", (o) => humanAge(o["metadata"]?.creationTimestamp)]
const name: Column = ["Name", "string", (o) => o["metadata"]?.name]

const podStatus = (pod: Obj) => {
  if (pod["metadata"]?.deletionTimestamp) return "Terminating"
  const waiting = (pod["status"]?.containerStatuses as Array<Obj> | undefined)?.find((c) => c["state"]?.waiting)?.[
    "state"
  ]?.waiting?.reason
  return waiting ?? pod["status"]?.phase ?? "Pending"
}

const columns: Record<string, ReadonlyArray<Column>> = {
  Pod: [
    name,
    [
      "Ready",
      "string",
      (p) =>
        `${(p["status"]?.containerStatuses ?? []).filter((c: Obj) => c["ready"]).length}/${(p["spec"]?.containers ?? []).length}`
    ],
    ["Status", "string", podStatus],
    [
      "Restarts",
      "string",
      (p) =>
        String(
          (p["status"]?.containerStatuses ?? []).reduce((n: number, c: Obj) => n + Number(c["restartCount"] ?? 0), 0)
        )
    ],
    age,
    ["IP", "string", (p) => p["status"]?.podIP ?? "<none>", 1],
    ["Node", "string", (p) => p["spec"]?.nodeName ?? "<none>", 1]
  ],
  Deployment: [
    name,
    ["Ready", "string", (d) => `${d["status"]?.readyReplicas ?? 0}/${d["spec"]?.replicas ?? 1}`],
    ["Up-to-date", "integer", (d) => d["status"]?.updatedReplicas ?? 0],
    ["Available", "integer", (d) => d["status"]?.availableReplicas ?? 0],
    age,
    [
      "Containers",
      "string",
      (d) => (d["spec"]?.template?.spec?.containers ?? []).map((c: Obj) => c["name"]).join(","),
      1
    ],
    ["Images", "string", (d) => (d["spec"]?.template?.spec?.containers ?? []).map((c: Obj) => c["image"]).join(","), 1]
  ],
  ReplicaSet: [
    name,
    ["Desired", "integer", (r) => r["spec"]?.replicas ?? 0],
    ["Current", "integer", (r) => r["status"]?.replicas ?? 0],
    ["Ready", "integer", (r) => r["status"]?.readyReplicas ?? 0],
    age
  ],
  Service: [
    name,
    ["Type", "string", (s) => s["spec"]?.type ?? "ClusterIP"],
    ["Cluster-IP", "string", (s) => s["spec"]?.clusterIP ?? "<none>"],
    ["External-IP", "string", () => "<none>"],
    [
      "Port(s)",
      "string",
      (s) => (s["spec"]?.ports ?? []).map((p: Obj) => `${p["port"]}/${p["protocol"] ?? "TCP"}`).join(",") || "<none>"
    ],
    age
  ],
  Namespace: [name, ["Status", "string", (n) => n["status"]?.phase ?? "Active"], age],
  Node: [
    name,
    [
      "Status",
      "string",
      (n) =>
        `${((n["status"]?.conditions ?? []) as Array<Obj>).find((c) => c["type"] === "Ready")?.["status"] === "True" ? "Ready" : "NotReady"}${n["spec"]?.unschedulable === true ? ",SchedulingDisabled" : ""}`
    ],
    ["Roles", "string", () => "<none>"],
    age,
    ["Version", "string", (n) => n["status"]?.nodeInfo?.kubeletVersion ?? ""]
  ],
  Secret: [
    name,
    ["Type", "string", (s) => s["type"] ?? "Opaque"],
    ["Data", "integer", (s) => Object.keys(s["data"] ?? {}).length],
    age
  ],
  ConfigMap: [name, ["Data", "integer", (s) => Object.keys(s["data"] ?? {}).length], age],
  PersistentVolumeClaim: [
    name,
    ["Status", "string", (c) => c["status"]?.phase ?? "Pending"],
    ["Volume", "string", (c) => c["spec"]?.volumeName ?? ""],
    ["Capacity", "string", (c) => c["status"]?.capacity?.storage ?? ""],
    [
      "Access Modes",
      "string",
      (c) =>
        (c["status"]?.accessModes ?? [])
          .map(
            (m: string) =>
              ({ ReadWriteOnce: "RWO", ReadOnlyMany: "ROX", ReadWriteMany: "RWX", ReadWriteOncePod: "RWOP" })[m] ?? m
          )
          .join(",")
    ],
    ["StorageClass", "string", (c) => c["spec"]?.storageClassName ?? "<unset>"],
    age
  ],
  Ingress: [
    name,
    ["Class", "string", (i) => i["spec"]?.ingressClassName ?? "<none>"],
    ["Hosts", "string", (i) => (i["spec"]?.rules ?? []).map((r: Obj) => r["host"] ?? "*").join(",") || "*"],
    ["Address", "string", () => ""],
    ["Ports", "string", (i) => ((i["spec"]?.tls ?? []).length > 0 ? "80, 443" : "80")],
    age
  ],
  NetworkPolicy: [
    name,
    [
      "Pod-Selector",
      "string",
      (n) =>
        Object.entries(n["spec"]?.podSelector?.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(",") || "<none>"
    ],
    age
  ],
  ResourceQuota: [
    name,
    age,
    [
      "Request",
      "string",
      (q) =>
        Object.keys(q["spec"]?.hard ?? {})
          .filter((k) => !k.startsWith("limits."))
          .map((k) => `${k}: ${q["status"]?.used?.[k] ?? "0"}/${q["spec"].hard[k]}`)
          .join(", ")
    ],
    [
      "Limit",
      "string",
      (q) =>
        Object.keys(q["spec"]?.hard ?? {})
          .filter((k) => k.startsWith("limits."))
          .map((k) => `${k}: ${q["status"]?.used?.[k] ?? "0"}/${q["spec"].hard[k]}`)
          .join(", ")
    ]
  ],
  Event: [
    ["Last Seen", "string", (e) => humanAge(e["lastTimestamp"] ?? e["eventTime"] ?? e["metadata"]?.creationTimestamp)],
    ["Type", "string", (e) => e["type"] ?? ""],
    ["Reason", "string", (e) => e["reason"] ?? ""],
    [
      "Object",
      "string",
      (e) => `${String(e["involvedObject"]?.kind ?? "").toLowerCase()}/${e["involvedObject"]?.name ?? ""}`
    ],
    ["Message", "string", (e) => e["message"] ?? ""]
  ]
}

/** A meta.k8s.io/v1 Table of a list, with each row's object as PartialObjectMetadata. */
export const tableOf = (def: ResourceDef, list: { metadata: Obj; items: Array<Obj> }) => {
  const cols = columns[def.kind] ?? [name, age]
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: list.metadata,
    columnDefinitions: cols.map(([n, type, , priority]) => ({
      name: n,
      type,
      format: n === "Name" ? "name" : "",
      description: n,
      priority: priority ?? 0
    })),
    rows: list.items.map((o) => ({
      cells: cols.map(([, , cell]) => cell(o)),
      object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o["metadata"] }
    }))
  }
}
