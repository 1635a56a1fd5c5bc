/**
 * Checks every request input (path parameters, query, JSON body) before any Schema sees it:
 * what Postgres cannot store (NUL, lone surrogates) and nesting deep enough to overflow a
 * recursive walk (effect's Inspectable, the canonical encoder) are refused with the field named.
 * The walk is iterative: a recursive check would overflow on the input it is meant to refuse.
 */
export interface InputProblem {
  readonly field: string
  readonly message: string
}

export const maxInputDepth = 32

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const stringProblem = (s: string): string | undefined =>
  s.includes("\u0000")
    ? "must not contain NUL characters"
    : loneSurrogate.test(s)
      ? "must be valid Unicode (no lone surrogates)"
      : undefined

export const inspectInput = (value: unknown, where: string): InputProblem | undefined => {
  const stack: Array<{ readonly value: unknown; readonly path: string; readonly depth: number }> = [
    { value, path: where, depth: 0 }
  ]
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!
    if (typeof current === "string") {
      const message = stringProblem(current)
      if (message !== undefined) return { field: path, message }
      continue
    }
    if (typeof current !== "object" || current === null) continue
    if (depth >= maxInputDepth) return { field: path, message: `nests deeper than ${maxInputDepth} levels` }
    for (const [key, child] of Object.entries(current)) {
      const keyProblem = stringProblem(key)
      const childPath = `${path}.${keyProblem === undefined ? key : "<key>"}`
      if (keyProblem !== undefined) return { field: childPath, message: `key ${keyProblem}` }
      stack.push({ value: child, path: childPath, depth: depth + 1 })
    }
  }
  return undefined
}

/** Query text whose percent-encoding is not UTF-8 (Node would turn it into U+FFFD silently). */
export const inspectQueryText = (querystring: string): InputProblem | undefined => {
  for (const pair of querystring.split("&")) {
    const [name = "", value = ""] = pair.split("=", 2)
    const decode = (text: string) => {
      try {
        return decodeURIComponent(text.replace(/\+/g, " "))
      } catch {
        return undefined
      }
    }
    const decodedName = decode(name)
    if (decodedName === undefined) return { field: "query", message: "parameter name is not valid UTF-8" }
    if (decode(value) === undefined) return { field: `query.${decodedName}`, message: "is not valid UTF-8" }
  }
  return undefined
}
