import * as models from "@kubernetes/client-node"
import type { ResourceDef } from "./resources.ts"
import type { Obj } from "./store.ts"

/**
 * Unknown fields, found by walking an object along the API types of @kubernetes/client-node
 * (generated from the upstream OpenAPI): what kube-apiserver's strict decoding reports.
 */
type AttributeMap = ReadonlyArray<{ readonly baseName: string; readonly type: string }>
type Model = { getAttributeTypeMap?: () => AttributeMap }

const modelOf = (type: string): Model | undefined => (models as unknown as Record<string, Model | undefined>)[type]

const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v)

/** Strategic-merge-patch directives are not fields. */
const isDirective = (key: string) => key.startsWith("$")

const walk = (
  value: unknown,
  type: string,
  path: string,
  prune: boolean
): { readonly unknown: Array<string>; readonly value: unknown } => {
  const array = /^Array<(.+)>$/.exec(type)
  if (array && Array.isArray(value)) {
    const items = value.map((v, i) => walk(v, array[1]!, `${path}[${i}]`, prune))
    return { unknown: items.flatMap((i) => i.unknown), value: items.map((i) => i.value) }
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type)
  if (map && isObject(value)) {
    const entries = Object.entries(value).map(([k, v]) => [k, walk(v, map[1]!, `${path}[${k}]`, prune)] as const)
    return {
      unknown: entries.flatMap(([, e]) => e.unknown),
      value: Object.fromEntries(entries.map(([k, e]) => [k, e.value]))
    }
  }
  const attributes = modelOf(type)?.getAttributeTypeMap?.()
  if (attributes === undefined || !isObject(value)) return { unknown: [], value }
  const known = new Map(attributes.map((a) => [a.baseName, a.type]))
  const unknown: Array<string> = []
  const out: Obj = {}
  for (const [k, v] of Object.entries(value)) {
    const field = path === "" ? k : `${path}.${k}`
    const fieldType = known.get(k)
    if (fieldType === undefined && !isDirective(k)) {
      unknown.push(field)
      if (!prune) out[k] = v
      continue
    }
    const inner = fieldType === undefined ? { unknown: [], value: v } : walk(v, fieldType, field, prune)
    unknown.push(...inner.unknown)
    out[k] = inner.value
  }
  return { unknown, value: out }
}

const typeOf = (def: ResourceDef) => (def.kind === "Event" ? "CoreV1Event" : `V1${def.kind}`)

/** The unknown fields of an object (or a partial one: a patch), and the object without them. */
export const unknownFields = (def: ResourceDef, object: unknown, subresource?: string) => {
  const result = walk(object, subresource === "scale" ? "V1Scale" : typeOf(def), "", true)
  return { fields: result.unknown, pruned: result.value }
}
