import { createHash } from "node:crypto"
import { apiVersionOf, type ResourceDef } from "./resources.ts"
import { invalid, type StatusCause } from "./status.ts"
import type { Obj } from "./store.ts"
import { sameJson } from "./equality.ts"
import { parseQuantity } from "./quantity.ts"

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/
const qualifiedName =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/

/** Names that must be DNS-1123 labels (they become DNS names or path segments). */
const labelNamed = new Set(["namespaces", "services"])

/** ajv's instancePath `/spec/containers/0/image` as Kubernetes writes fields: `spec.containers[0].image`. */
const fieldOf = (instancePath: string) =>
  instancePath
    .split("/")
    .filter((p) => p.length > 0)
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc === "" ? part : `${acc}.${part}`), "")

const schemaCauses = (def: ResourceDef, object: Obj): Array<StatusCause> => {
  if (def.model === undefined) return []
  try {
    new def.model(object).validate()
    return []
  } catch (error) {
    const errors = (
      error as {
        errors?: Array<{ instancePath: string; keyword: string; message?: string; params?: Record<string, unknown> }>
      }
    ).errors
    if (errors === undefined) return [{ reason: "FieldValueInvalid", message: String((error as Error).message) }]
    return errors.map((e) =>
      e.keyword === "required"
        ? {
            reason: "FieldValueRequired",
            message: "Required value",
            field: [fieldOf(e.instancePath), String(e.params?.["missingProperty"])].filter((s) => s !== "").join(".")
          }
        : {
            reason: "FieldValueInvalid",
            message: `Invalid value: ${e.message ?? "invalid"}`,
            field: fieldOf(e.instancePath)
          }
    )
  }
}

const metadataCauses = (def: ResourceDef, object: Obj): Array<StatusCause> => {
  const causes: Array<StatusCause> = []
  const metadata = (object["metadata"] ?? {}) as Obj
  const name = metadata["name"]
  if (typeof name !== "string" || name === "")
    causes.push({
      reason: "FieldValueRequired",
      message: "Required value: name or generateName is required",
      field: "metadata.name"
    })
  else if (
    name.length > (labelNamed.has(def.plural) ? 63 : 253) ||
    !(labelNamed.has(def.plural) ? dns1123Label : dns1123Subdomain).test(name)
  ) {
    causes.push({
      reason: "FieldValueInvalid",
      message: `Invalid value: "${name}": a lowercase RFC 1123 ${labelNamed.has(def.plural) ? "label" : "subdomain"} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      field: "metadata.name"
    })
  }
  for (const [key, value] of Object.entries((metadata["labels"] ?? {}) as Record<string, unknown>)) {
    if (!qualifiedName.test(key))
      causes.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.'`,
        field: "metadata.labels"
      })
    if (typeof value !== "string" || value.length > 63 || !labelValue.test(value)) {
      causes.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: "${String(value)}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
        field: `metadata.labels`
      })
    }
  }
  return causes
}

const templateCauses = (def: ResourceDef, object: Obj): Array<StatusCause> => {
  if (def.kind !== "Deployment" && def.kind !== "ReplicaSet") return []
  const selector = object["spec"]?.selector?.matchLabels as Record<string, string> | undefined
  const labels = (object["spec"]?.template?.metadata?.labels ?? {}) as Record<string, string>
  if (selector === undefined || Object.keys(selector).length === 0) {
    return object["spec"]?.selector?.matchExpressions
      ? []
      : [{ reason: "FieldValueRequired", message: "Required value", field: "spec.selector" }]
  }
  const matches = Object.entries(selector).every(([k, v]) => labels[k] === v)
  return matches
    ? []
    : [
        {
          reason: "FieldValueInvalid",
          message: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\``,
          field: "spec.template.metadata.labels"
        }
      ]
}

const secretCauses = (def: ResourceDef, object: Obj): Array<StatusCause> => {
  if (def.kind !== "Secret") return []
  return Object.entries((object["data"] ?? {}) as Record<string, unknown>).flatMap(([key, value]) =>
    typeof value === "string" && /^[A-Za-z0-9+/]*={0,2}$/.test(value) && value.length % 4 === 0
      ? []
      : [{ reason: "FieldValueInvalid", message: "Invalid value: illegal base64 data", field: `data[${key}]` }]
  )
}

/** Fields a real API server refuses to change once set. */
const immutabilityCauses = (def: ResourceDef, next: Obj, previous: Obj): Array<StatusCause> => {
  const same = sameJson
  switch (def.kind) {
    case "Deployment":
    case "ReplicaSet":
      return same(next["spec"]?.selector, previous["spec"]?.selector)
        ? []
        : [{ reason: "FieldValueInvalid", message: "Invalid value: field is immutable", field: "spec.selector" }]
    case "Service":
      return same(next["spec"]?.clusterIP, previous["spec"]?.clusterIP)
        ? []
        : [{ reason: "FieldValueInvalid", message: "Invalid value: field is immutable", field: "spec.clusterIP" }]
    case "PersistentVolumeClaim": {
      const { resources: r1, volumeName: _v1, ...rest1 } = (next["spec"] ?? {}) as Obj
      const { resources: r2, volumeName: _v2, ...rest2 } = (previous["spec"] ?? {}) as Obj
      if (!same(rest1, rest2))
        return [
          {
            reason: "FieldValueForbidden",
            message:
              "Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
            field: "spec"
          }
        ]
      const grown = parseQuantity(r1?.requests?.storage)
      return grown < parseQuantity(r2?.requests?.storage)
        ? [
            {
              reason: "FieldValueForbidden",
              message: "Forbidden: field can not be less than previous value",
              field: "spec.resources.requests.storage"
            }
          ]
        : []
    }
    case "Secret":
      return previous["immutable"] === true && !same(next["data"], previous["data"])
        ? [
            {
              reason: "FieldValueForbidden",
              message: "Forbidden: field is immutable when `immutable` is set",
              field: "data"
            }
          ]
        : []
    default:
      return []
  }
}

/** Checks an object about to be stored; throws 422 Invalid with every cause, as kube-apiserver does. */
export const validateObject = (def: ResourceDef, object: Obj, previous?: Obj) => {
  const causes = [
    ...metadataCauses(def, object),
    ...schemaCauses(def, object),
    ...templateCauses(def, object),
    ...secretCauses(def, object),
    ...(previous === undefined ? [] : immutabilityCauses(def, object, previous))
  ]
  if (causes.length > 0) throw invalid(def.group, def.kind, String(object["metadata"]?.name ?? ""), causes)
}

const defaultContainer = (c: Obj): Obj => ({
  terminationMessagePath: "/dev/termination-log",
  terminationMessagePolicy: "File",
  imagePullPolicy: /:latest$|^[^:]*$/.test(
    String(c["image"] ?? "")
      .split("/")
      .pop() ?? ""
  )
    ? "Always"
    : "IfNotPresent",
  resources: {},
  ...c,
  ...(Array.isArray(c["ports"]) ? { ports: c["ports"].map((p: Obj) => ({ protocol: "TCP", ...p })) } : {})
})

export const defaultPodSpec = (spec: Obj): Obj => ({
  restartPolicy: "Always",
  terminationGracePeriodSeconds: 30,
  dnsPolicy: "ClusterFirst",
  securityContext: {},
  schedulerName: "default-scheduler",
  ...spec,
  containers: ((spec["containers"] ?? []) as Array<Obj>).map(defaultContainer),
  ...(spec["initContainers"] ? { initContainers: (spec["initContainers"] as Array<Obj>).map(defaultContainer) } : {})
})

/** A stable pseudo-random ClusterIP for a service, from its namespace and name. */
const clusterIpOf = (object: Obj) => {
  const h = createHash("sha256").update(`${object["metadata"]?.namespace}/${object["metadata"]?.name}`).digest()
  return `10.96.${h[0]! % 256}.${1 + (h[1]! % 254)}`
}

/** Server-side defaults of the fields we serve (what a real API server fills in on write). */
export const applyDefaults = (def: ResourceDef, object: Obj, previous?: Obj): Obj => {
  const o: Obj = { ...object, apiVersion: apiVersionOf(def), kind: def.kind }
  switch (def.kind) {
    case "Namespace":
      return {
        ...o,
        spec: { finalizers: ["kubernetes"], ...o["spec"] },
        status: previous?.["status"] ?? { phase: "Active" },
        metadata: {
          ...o["metadata"],
          labels: { "kubernetes.io/metadata.name": o["metadata"].name, ...o["metadata"].labels }
        }
      }
    case "Secret": {
      const { stringData, ...rest } = o
      const data = { ...(rest["data"] ?? {}) }
      for (const [k, v] of Object.entries((stringData ?? {}) as Record<string, string>))
        data[k] = Buffer.from(String(v)).toString("base64")
      return { type: "Opaque", ...rest, ...(Object.keys(data).length > 0 ? { data } : {}) }
    }
    case "Service":
      return {
        ...o,
        spec: {
          type: "ClusterIP",
          sessionAffinity: "None",
          ipFamilies: ["IPv4"],
          ipFamilyPolicy: "SingleStack",
          internalTrafficPolicy: "Cluster",
          ...o["spec"],
          clusterIP: o["spec"]?.clusterIP ?? previous?.["spec"]?.clusterIP ?? clusterIpOf(o),
          ...(o["spec"]?.ports
            ? { ports: (o["spec"].ports as Array<Obj>).map((p) => ({ protocol: "TCP", targetPort: p["port"], ...p })) }
            : {})
        },
        status: previous?.["status"] ?? { loadBalancer: {} }
      }
    case "Deployment": {
      const spec = (o["spec"] ?? {}) as Obj
      return {
        ...o,
        spec: {
          replicas: 1,
          revisionHistoryLimit: 10,
          progressDeadlineSeconds: 600,
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } },
          ...spec,
          template: { ...spec["template"], spec: defaultPodSpec(spec["template"]?.spec ?? {}) }
        },
        status: previous?.["status"] ?? {}
      }
    }
    case "Pod":
      return {
        ...o,
        spec: defaultPodSpec(o["spec"] ?? {}),
        status: previous?.["status"] ?? o["status"] ?? { phase: "Pending", qosClass: "BestEffort" }
      }
    case "PersistentVolumeClaim":
      return {
        ...o,
        spec: { volumeMode: "Filesystem", ...o["spec"] },
        status: previous?.["status"] ?? { phase: "Pending" }
      }
    case "Ingress":
      return { ...o, status: previous?.["status"] ?? { loadBalancer: {} } }
    default:
      return o
  }
}
