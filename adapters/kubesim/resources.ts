import { Deployment } from "kubernetes-models/apps/v1/Deployment"
import { ReplicaSet } from "kubernetes-models/apps/v1/ReplicaSet"
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress"
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy"
import { ConfigMap } from "kubernetes-models/v1/ConfigMap"
import { Event } from "kubernetes-models/v1/Event"
import { LimitRange } from "kubernetes-models/v1/LimitRange"
import { Namespace } from "kubernetes-models/v1/Namespace"
import { Node } from "kubernetes-models/v1/Node"
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim"
import { Pod } from "kubernetes-models/v1/Pod"
import { ResourceQuota } from "kubernetes-models/v1/ResourceQuota"
import { Secret } from "kubernetes-models/v1/Secret"
import { Service } from "kubernetes-models/v1/Service"
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount"

/** A model of kubernetes-models: validates a whole object against the upstream OpenAPI schema. */
type Model = new (data: any) => { validate(): void }

export interface ResourceDef {
  readonly group: string
  readonly version: string
  readonly plural: string
  readonly singular: string
  readonly kind: string
  readonly namespaced: boolean
  readonly shortNames: ReadonlyArray<string>
  readonly subresources: ReadonlyArray<"status" | "scale" | "log" | "eviction">
  readonly categories?: ReadonlyArray<string>
  /** Served by the simulator itself (metrics): get and list only. */
  readonly readOnly?: boolean
  readonly model?: Model
}

const core = (
  plural: string,
  kind: string,
  namespaced: boolean,
  shortNames: Array<string>,
  model: Model,
  subresources: ResourceDef["subresources"] = [],
  categories?: Array<string>
): ResourceDef => ({
  group: "",
  version: "v1",
  plural,
  singular: kind.toLowerCase(),
  kind,
  namespaced,
  shortNames,
  subresources,
  model,
  ...(categories ? { categories } : {})
})

/** Every resource the simulator serves. */
export const resources: ReadonlyArray<ResourceDef> = [
  core("namespaces", "Namespace", false, ["ns"], Namespace, ["status"]),
  core("nodes", "Node", false, ["no"], Node, ["status"]),
  core("pods", "Pod", true, ["po"], Pod, ["status", "log", "eviction"], ["all"]),
  core("services", "Service", true, ["svc"], Service, ["status"], ["all"]),
  core("secrets", "Secret", true, [], Secret),
  core("configmaps", "ConfigMap", true, ["cm"], ConfigMap),
  core("serviceaccounts", "ServiceAccount", true, ["sa"], ServiceAccount),
  core("persistentvolumeclaims", "PersistentVolumeClaim", true, ["pvc"], PersistentVolumeClaim, ["status"]),
  core("events", "Event", true, ["ev"], Event),
  core("resourcequotas", "ResourceQuota", true, ["quota"], ResourceQuota, ["status"]),
  core("limitranges", "LimitRange", true, ["limits"], LimitRange),
  {
    group: "apps",
    version: "v1",
    plural: "deployments",
    singular: "deployment",
    kind: "Deployment",
    namespaced: true,
    shortNames: ["deploy"],
    subresources: ["status", "scale"],
    categories: ["all"],
    model: Deployment
  },
  {
    group: "apps",
    version: "v1",
    plural: "replicasets",
    singular: "replicaset",
    kind: "ReplicaSet",
    namespaced: true,
    shortNames: ["rs"],
    subresources: ["status", "scale"],
    categories: ["all"],
    model: ReplicaSet
  },
  {
    group: "networking.k8s.io",
    version: "v1",
    plural: "ingresses",
    singular: "ingress",
    kind: "Ingress",
    namespaced: true,
    shortNames: ["ing"],
    subresources: ["status"],
    model: Ingress
  },
  {
    group: "networking.k8s.io",
    version: "v1",
    plural: "networkpolicies",
    singular: "networkpolicy",
    kind: "NetworkPolicy",
    namespaced: true,
    shortNames: ["netpol"],
    subresources: [],
    model: NetworkPolicy
  },
  {
    group: "metrics.k8s.io",
    version: "v1beta1",
    plural: "pods",
    singular: "",
    kind: "PodMetrics",
    namespaced: true,
    shortNames: [],
    subresources: [],
    readOnly: true
  },
  {
    group: "metrics.k8s.io",
    version: "v1beta1",
    plural: "nodes",
    singular: "",
    kind: "NodeMetrics",
    namespaced: false,
    shortNames: [],
    subresources: [],
    readOnly: true
  }
]

/** The storage key of a resource: "<group>/<plural>" ("/pods", "apps/deployments"). */
export const keyOf = (def: Pick<ResourceDef, "group" | "plural">) => `${def.group}/${def.plural}`

export const apiVersionOf = (def: Pick<ResourceDef, "group" | "version">) =>
  def.group === "" ? def.version : `${def.group}/${def.version}`

export const findResource = (group: string, version: string, plural: string) =>
  resources.find((r) => r.group === group && r.version === version && r.plural === plural)

export const groupVersions = () => {
  const seen = new Map<string, Array<string>>()
  for (const r of resources)
    if (r.group !== "") seen.set(r.group, [...new Set([...(seen.get(r.group) ?? []), r.version])])
  return [...seen].map(([name, versions]) => ({ name, versions }))
}

const writeVerbs = ["create", "delete", "deletecollection", "patch", "update"]

/** The APIResourceList of one group version (discovery). */
export const resourceList = (group: string, version: string) => {
  const defs = resources.filter((r) => r.group === group && r.version === version)
  if (defs.length === 0) return undefined
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group === "" ? version : `${group}/${version}`,
    resources: defs.flatMap((r) => [
      {
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.readOnly ? ["get", "list"] : ["get", "list", "watch", ...writeVerbs],
        ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
        ...(r.categories ? { categories: r.categories } : {})
      },
      ...r.subresources.map((s) =>
        s === "log"
          ? { name: `${r.plural}/log`, singularName: "", namespaced: true, kind: r.kind, verbs: ["get"] }
          : s === "eviction"
            ? {
                name: `${r.plural}/eviction`,
                singularName: "",
                namespaced: true,
                group: "policy",
                version: "v1",
                kind: "Eviction",
                verbs: ["create"]
              }
            : s === "scale"
              ? {
                  name: `${r.plural}/scale`,
                  singularName: "",
                  namespaced: true,
                  group: "autoscaling",
                  version: "v1",
                  kind: "Scale",
                  verbs: ["get", "patch", "update"]
                }
              : {
                  name: `${r.plural}/status`,
                  singularName: "",
                  namespaced: r.namespaced,
                  kind: r.kind,
                  verbs: ["get", "patch", "update"]
                }
      )
    ])
  }
}
