import { createHash } from "node:crypto"
import { kubeSimulatorPrefix } from "./kubeconfig.ts"
import { resources } from "./resources.ts"

/**
 * The OpenAPI v3 discovery kubectl reads before `apply`/`create -f`: an index of group versions
 * and, per group version, the operations with their GroupVersionKind and the `fieldValidation`
 * query parameter — which tells kubectl the server validates fields itself (so it sends
 * `fieldValidation=Strict` and needs no client-side schemas).
 */
const gvPath = (group: string, version: string) => (group === "" ? `api/${version}` : `apis/${group}/${version}`)

const queryParam = (name: string) => ({ name, in: "query", schema: { type: "string", uniqueItems: true } })

export const openApiGroupVersion = (group: string, version: string) => {
  const defs = resources.filter((r) => r.group === group && r.version === version && !r.readOnly)
  if (defs.length === 0 && !resources.some((r) => r.group === group && r.version === version)) return undefined
  const paths: Record<string, unknown> = {}
  for (const def of defs) {
    const gvk = { group: def.group, version: def.version, kind: def.kind }
    const base = `/${gvPath(group, version)}${def.namespaced ? "/namespaces/{namespace}" : ""}/${def.plural}`
    const operation = (verb: string, action: string, extra: Array<unknown> = []) => ({
      operationId: `${verb}${def.kind}`,
      "x-kubernetes-action": action,
      "x-kubernetes-group-version-kind": gvk,
      parameters: [queryParam("dryRun"), queryParam("fieldManager"), ...extra],
      responses: { "200": { description: "OK" } }
    })
    paths[base] = {
      get: operation("list", "list"),
      post: operation("create", "post", [queryParam("fieldValidation")])
    }
    paths[`${base}/{name}`] = {
      get: operation("read", "get"),
      put: operation("replace", "put", [queryParam("fieldValidation")]),
      patch: operation("patch", "patch", [queryParam("fieldValidation"), queryParam("force")]),
      delete: operation("delete", "delete")
    }
  }
  return { openapi: "3.0.0", info: { title: "Kubernetes", version: "v1.32.0" }, paths, components: { schemas: {} } }
}

const hashOf = (value: unknown) =>
  createHash("sha512").update(JSON.stringify(value)).digest("hex").slice(0, 64).toUpperCase()

export const openApiIndex = () => {
  const gvs = [...new Set(resources.map((r) => `${r.group}\u0000${r.version}`))].map(
    (k) => k.split("\u0000") as [string, string]
  )
  return {
    paths: Object.fromEntries(
      gvs.map(([g, v]) => [
        gvPath(g, v),
        {
          serverRelativeURL: `${kubeSimulatorPrefix}/openapi/v3/${gvPath(g, v)}?hash=${hashOf(openApiGroupVersion(g, v))}`
        }
      ])
    )
  }
}
