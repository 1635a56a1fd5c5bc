import { badRequest } from "./status.ts"
import type { Obj } from "./store.ts"

type Requirement =
  | { readonly op: "in" | "notin"; readonly key: string; readonly values: ReadonlyArray<string> }
  | { readonly op: "exists" | "!exists"; readonly key: string }

/** Splits on commas outside parentheses. */
const terms = (selector: string) => {
  const out: Array<string> = []
  let depth = 0
  let current = ""
  for (const c of selector) {
    if (c === "(") depth++
    if (c === ")") depth--
    if (c === "," && depth === 0) {
      out.push(current)
      current = ""
    } else current += c
  }
  out.push(current)
  return out.map((t) => t.trim()).filter((t) => t.length > 0)
}

const keyPattern = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/

const parseTerm = (term: string): Requirement => {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term)
  const equality = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term)
  const requirement: Requirement | undefined = set
    ? {
        op: set[2] as "in" | "notin",
        key: set[1]!,
        values: set[3]!
          .split(",")
          .map((v) => v.trim())
          .filter((v) => v.length > 0)
      }
    : equality
      ? { op: equality[2] === "!=" ? "notin" : "in", key: equality[1]!, values: [equality[3]!] }
      : term.startsWith("!")
        ? { op: "!exists", key: term.slice(1).trim() }
        : { op: "exists", key: term }
  if (!keyPattern.test(requirement.key))
    throw badRequest(`unable to parse requirement: invalid label key "${requirement.key}"`)
  return requirement
}

/** `app=x,tier!=db,env in (a,b),!legacy` as a predicate over a label map. */
export const parseLabelSelector = (
  selector: string | undefined
): ((labels: Record<string, string> | undefined) => boolean) => {
  if (selector === undefined || selector.trim() === "") return () => true
  const requirements = terms(selector).map(parseTerm)
  return (labels = {}) =>
    requirements.every((r) => {
      const has = Object.prototype.hasOwnProperty.call(labels, r.key)
      switch (r.op) {
        case "exists":
          return has
        case "!exists":
          return !has
        case "in":
          return has && r.values.includes(labels[r.key]!)
        case "notin":
          return !has || !r.values.includes(labels[r.key]!)
      }
    })
}

/** A LabelSelector object (matchLabels + matchExpressions) as a predicate. */
export const matchesLabelSelector = (selector: Obj | undefined, labels: Record<string, string> | undefined) => {
  if (selector === undefined) return false
  const l = labels ?? {}
  const matchLabels = Object.entries((selector["matchLabels"] ?? {}) as Record<string, string>).every(
    ([k, v]) => l[k] === v
  )
  const expressions = (
    (selector["matchExpressions"] ?? []) as Array<{ key: string; operator: string; values?: Array<string> }>
  ).every((e) =>
    e.operator === "In"
      ? e.values?.includes(l[e.key]!) === true
      : e.operator === "NotIn"
        ? !(e.key in l) || e.values?.includes(l[e.key]!) !== true
        : e.operator === "Exists"
          ? e.key in l
          : !(e.key in l)
  )
  return matchLabels && expressions
}

const fieldValue = (object: Obj, path: string): string => {
  let value: unknown = object
  for (const part of path.split(".")) value = (value as Obj | undefined)?.[part]
  return value === undefined || value === null ? "" : String(value)
}

/** `metadata.name=x,status.phase!=Running` (any field path, = == !=) as a predicate. */
export const parseFieldSelector = (selector: string | undefined): ((object: Obj) => boolean) => {
  if (selector === undefined || selector.trim() === "") return () => true
  const requirements = terms(selector).map((term) => {
    const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(term)
    if (!m) throw badRequest(`invalid field selector: "${term}"`)
    return { path: m[1]!, negated: m[2] === "!=", value: m[3]! }
  })
  return (object) => requirements.every((r) => (fieldValue(object, r.path) === r.value) !== r.negated)
}
