import jsonpatch from "fast-json-patch"
import type { Obj } from "./store.ts"
import { sameJson } from "./equality.ts"

const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v)

const clone = <A>(v: A): A => structuredClone(v)

/** RFC 7386 JSON merge patch: objects merge, null deletes, everything else replaces. */
export const mergePatch = (target: unknown, patch: unknown): unknown => {
  if (!isObject(patch)) return clone(patch)
  const out: Obj = isObject(target) ? { ...target } : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = mergePatch(out[k], v)
  }
  return out
}

/**
 * The patchMergeKey of the lists we serve (from the upstream type definitions): items of these
 * lists merge by key in strategic merge patches and server-side apply; other lists are replaced.
 */
const mergeKeyOf = (field: string, items: ReadonlyArray<unknown>): string | undefined => {
  switch (field) {
    case "containers":
    case "initContainers":
    case "ephemeralContainers":
    case "env":
    case "volumes":
    case "imagePullSecrets":
    case "containerStatuses":
    case "initContainerStatuses":
      return "name"
    case "volumeMounts":
      return "mountPath"
    case "conditions":
      return "type"
    case "ownerReferences":
      return "uid"
    case "ports":
      return items.some((i) => isObject(i) && "containerPort" in i) ? "containerPort" : "port"
    default:
      return undefined
  }
}

const keyOfItem = (item: unknown, key: string) => (isObject(item) ? JSON.stringify(item[key]) : undefined)

/** A strategic merge patch (subset): keyed lists merge by key, `$patch: delete|replace`, null deletes. */
export const strategicMergePatch = (target: unknown, patch: unknown, field = ""): unknown => {
  if (Array.isArray(patch)) {
    const key = mergeKeyOf(field, patch)
    if (key === undefined || !Array.isArray(target))
      return clone(patch.filter((i) => !(isObject(i) && i["$patch"] !== undefined)))
    if (patch.some((i) => isObject(i) && i["$patch"] === "replace"))
      return clone(patch.filter((i) => !(isObject(i) && i["$patch"] === "replace")))
    const out: Array<unknown> = [...target]
    for (const item of patch) {
      const index = out.findIndex((t) => keyOfItem(t, key) === keyOfItem(item, key))
      if (isObject(item) && item["$patch"] === "delete") {
        if (index >= 0) out.splice(index, 1)
      } else if (index >= 0) out[index] = strategicMergePatch(out[index], item)
      else out.push(strategicMergePatch(undefined, item))
    }
    return out
  }
  if (!isObject(patch)) return clone(patch)
  if (patch["$patch"] === "replace") {
    const { $patch: _, ...rest } = patch
    return clone(rest)
  }
  const out: Obj = isObject(target) ? { ...target } : {}
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith("$")) continue
    if (v === null) delete out[k]
    else out[k] = strategicMergePatch(out[k], v, k)
  }
  return out
}

/** RFC 6902 JSON patch; throws a message on a failed `test` or a bad path. */
export const jsonPatch = (target: Obj, operations: unknown): Obj => {
  if (!Array.isArray(operations)) throw new Error("a JSON patch must be an array of operations")
  const error = jsonpatch.validate(operations as Array<jsonpatch.Operation>, target)
  if (error) throw new Error(`${error.name}: ${error.message.split("\n")[0]}`)
  return jsonpatch.applyPatch(clone(target), operations as Array<jsonpatch.Operation>, false, true).newDocument
}

/**
 * Server-side apply, simplified: fields this manager applied last time and no longer applies are
 * removed, then the applied configuration is merged in (keyed lists by key), so fields set by
 * others stay. Field ownership is the manager's last applied configuration, not managedFields.
 */
export const serverSideApply = (
  live: Obj,
  previous: Obj | undefined,
  applied: Obj,
  others: ReadonlyArray<Obj> = []
): Obj => applyMerge(previous === undefined ? live : removeStale(live, previous, applied, others), applied) as Obj

/** Removes what `previous` set and `next` no longer sets, unless another manager's configuration still sets it. */
const removeStale = (
  live: unknown,
  previous: unknown,
  next: unknown,
  others: ReadonlyArray<unknown>,
  field = ""
): unknown => {
  if (isObject(live) && isObject(previous)) {
    const out: Obj = { ...live }
    const nextObj = isObject(next) ? next : {}
    for (const k of Object.keys(previous)) {
      const othersAt = others
        .filter(isObject)
        .filter((o) => k in o)
        .map((o) => o[k])
      if (!(k in nextObj) && othersAt.length === 0) delete out[k]
      else if (k in out) out[k] = removeStale(out[k], previous[k], nextObj[k], othersAt, k)
    }
    return out
  }
  if (Array.isArray(live) && Array.isArray(previous)) {
    const after = Array.isArray(next) ? next : []
    const key = mergeKeyOf(field, previous)
    if (key === undefined) return live // an atomic list: replaced by the merge, or removed with its key
    const otherItems = others.filter(Array.isArray).flat()
    const stillSet = new Set([...after, ...otherItems].map((i) => keyOfItem(i, key)))
    const gone = new Set(previous.map((i) => keyOfItem(i, key)).filter((k) => !stillSet.has(k)))
    return live
      .filter((i) => !gone.has(keyOfItem(i, key)))
      .map((i) => {
        const k = keyOfItem(i, key)
        const before = previous.find((p) => keyOfItem(p, key) === k)
        return before === undefined
          ? i
          : removeStale(
              i,
              before,
              after.find((n) => keyOfItem(n, key) === k),
              otherItems.filter((o) => keyOfItem(o, key) === k)
            )
      })
  }
  return live
}

/** A copy of a configuration without one leaf path (".spec.replicas"): its manager lost the field to a forced apply. */
export const withoutPath = (config: Obj, path: string): Obj => {
  const [head, ...rest] = path.split(".").filter((p) => p.length > 0)
  if (head === undefined || !(head in config)) return config
  const { [head]: value, ...others } = config
  if (rest.length === 0 || !isObject(value)) return others
  const inner = withoutPath(value, `.${rest.join(".")}`)
  return Object.keys(inner).length === 0 ? others : { ...others, [head]: inner }
}

const applyMerge = (live: unknown, applied: unknown, field = ""): unknown => {
  if (isObject(applied)) {
    const out: Obj = isObject(live) ? { ...live } : {}
    for (const [k, v] of Object.entries(applied)) if (v !== null) out[k] = applyMerge(out[k], v, k)
    return out
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const key = mergeKeyOf(field, applied)
    if (key === undefined) return clone(applied)
    const out = [...live]
    for (const item of applied) {
      const index = out.findIndex((t) => keyOfItem(t, key) === keyOfItem(item, key))
      if (index >= 0) out[index] = applyMerge(out[index], item)
      else out.push(clone(item))
    }
    return out
  }
  return clone(applied)
}

/** Leaf paths of an applied configuration whose value another manager applied differently. */
export const applyConflicts = (applied: Obj, others: Record<string, Obj>): Array<{ manager: string; path: string }> => {
  const found: Array<{ manager: string; path: string }> = []
  const walk = (mine: unknown, theirs: unknown, path: string, manager: string) => {
    if (theirs === undefined) return
    if (isObject(mine) && isObject(theirs)) {
      for (const [k, v] of Object.entries(mine)) walk(v, theirs[k], `${path}.${k}`, manager)
      return
    }
    if (!sameJson(mine, theirs)) found.push({ manager, path })
  }
  for (const [manager, config] of Object.entries(others)) {
    const { metadata: _m, ...mineRest } = applied
    const { metadata: _t, ...theirsRest } = config
    walk(mineRest, theirsRest, "", manager)
    walk(applied["metadata"]?.labels ?? {}, config["metadata"]?.labels, ".metadata.labels", manager)
  }
  return found
}
