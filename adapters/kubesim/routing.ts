import { findResource, groupVersions, type ResourceDef, resourceList } from "./resources.ts"

/** What `/version` answers (kubectl checks the minor version against its own). */
export const version = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0-minispod-kubesim",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2026-01-01T00:00:00Z",
  goVersion: "go1.23.4",
  compiler: "gc",
  platform: "linux/amd64"
}

export interface Target {
  readonly def: ResourceDef
  readonly namespace: string | undefined
  readonly name: string | undefined
  readonly subresource: string | undefined
}

/** `/api/v1/...` or `/apis/<group>/<version>/...` → the resource addressed, or a discovery document. */
export const parsePath = (path: string): { discovery: unknown } | { target: Target } | undefined => {
  let parts: Array<string>
  try {
    parts = path
      .split("/")
      .filter((p) => p.length > 0)
      .map(decodeURIComponent)
  } catch {
    return undefined // malformed percent-encoding: no such resource
  }
  let group: string
  let ver: string
  let rest: Array<string>
  if (parts[0] === "api") {
    if (parts.length === 1)
      return {
        discovery: {
          kind: "APIVersions",
          versions: ["v1"],
          serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1" }]
        }
      }
    if (parts[1] !== "v1") return undefined
    ;[group, ver, rest] = ["", "v1", parts.slice(2)]
  } else if (parts[0] === "apis") {
    if (parts.length === 1) {
      return {
        discovery: {
          kind: "APIGroupList",
          apiVersion: "v1",
          groups: groupVersions().map((g) => ({
            name: g.name,
            versions: g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v })),
            preferredVersion: { groupVersion: `${g.name}/${g.versions[0]}`, version: g.versions[0] }
          }))
        }
      }
    }
    if (parts.length === 2) {
      const g = groupVersions().find((x) => x.name === parts[1])
      return g === undefined
        ? undefined
        : {
            discovery: {
              kind: "APIGroup",
              apiVersion: "v1",
              name: g.name,
              versions: g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v })),
              preferredVersion: { groupVersion: `${g.name}/${g.versions[0]}`, version: g.versions[0] }
            }
          }
    }
    ;[group, ver, rest] = [parts[1]!, parts[2]!, parts.slice(3)]
  } else return undefined
  if (rest.length === 0) {
    const list = resourceList(group, ver)
    return list === undefined ? undefined : { discovery: list }
  }
  // /namespaces/NS/<plural>/... is namespaced, except the namespace object's own subresources.
  const namespaced =
    rest[0] === "namespaces" &&
    rest.length >= 3 &&
    !(rest.length === 3 && (rest[2] === "status" || rest[2] === "finalize"))
  const [plural, name, subresource] = namespaced ? rest.slice(2) : rest
  const def = findResource(group, ver, plural!)
  if (def === undefined || (namespaced && !def.namespaced) || (namespaced ? rest.length > 5 : rest.length > 3))
    return undefined
  if (subresource !== undefined && !def.subresources.includes(subresource as never)) return undefined
  return { target: { def, namespace: namespaced ? rest[1] : undefined, name, subresource } }
}

export const verbOf = (method: string, target: Target, watch: boolean) => {
  switch (method) {
    case "GET":
      return target.name === undefined ? (watch ? "watch" : "list") : "get"
    case "POST":
      return "create"
    case "PUT":
      return "update"
    case "PATCH":
      return "patch"
    case "DELETE":
      return target.name === undefined ? "deletecollection" : "delete"
    default:
      return method.toLowerCase()
  }
}
