import { Option, Schema, SchemaAST } from "effect"

type Check = (input: unknown) => boolean

const defaultOptions: SchemaAST.ParseOptions = {}

/**
 * A plain predicate for the AST nodes events are made of (structs, unions, literals, strings,
 * numbers, booleans and refinements, whose own filters are called), or undefined for any other
 * node (transformations, optional members, records, tuples…). Where it answers true, Schema's
 * decode succeeds with a copy of the input: the refinements' filters are the Schema's own, a
 * struct member must be the input's own property, and a union accepts what any member accepts.
 */
const compile = (ast: SchemaAST.AST): Check | undefined => {
  switch (ast._tag) {
    case "StringKeyword":
      return (input) => typeof input === "string"
    case "NumberKeyword":
      return (input) => typeof input === "number"
    case "BooleanKeyword":
      return (input) => typeof input === "boolean"
    case "Literal": {
      const literal = ast.literal
      return (input) => input === literal
    }
    case "Refinement": {
      const from = compile(ast.from)
      if (from === undefined) return undefined
      return (input) => from(input) && Option.isNone(ast.filter(input, defaultOptions, ast))
    }
    case "Union": {
      const members = ast.types.map(compile)
      if (members.some((m) => m === undefined)) return undefined
      const checks = members as Array<Check>
      return (input) => {
        for (let i = 0; i < checks.length; i++) if (checks[i]!(input)) return true
        return false
      }
    }
    case "TypeLiteral": {
      if (ast.indexSignatures.length > 0) return undefined
      const members: Array<readonly [string, Check]> = []
      for (const ps of ast.propertySignatures) {
        const check = compile(ps.type)
        if (check === undefined || ps.isOptional || typeof ps.name !== "string") return undefined
        members.push([ps.name, check])
      }
      return (input) => {
        if (typeof input !== "object" || input === null || Array.isArray(input)) return false
        for (let i = 0; i < members.length; i++) {
          const [name, check] = members[i]!
          if (!Object.hasOwn(input, name) || !check((input as Record<string, unknown>)[name])) return false
        }
        return true
      }
    }
    default:
      return undefined
  }
}

/**
 * `Schema.decodeUnknownSync(schema)` for the audit's hot path: an input the compiled predicate
 * accepts is returned as it is (no copy, no Either per member; members the schema does not
 * declare are left on it, which no reader of the declared ones sees); anything else, and every
 * schema the predicate cannot express, goes through Schema's decode, which throws its own error.
 */
export const fastDecodeSync = <A, I>(schema: Schema.Schema<A, I, never>): ((input: unknown) => A) => {
  const decode = Schema.decodeUnknownSync(schema)
  const accepts = compile(schema.ast)
  if (accepts === undefined) return decode
  return (input) => (accepts(input) ? (input as A) : decode(input))
}

/** For tests: whether the compiled predicate covers the schema, and its verdict. */
export const fastAccepts = (schema: Schema.Schema.AnyNoContext, input: unknown): boolean | undefined => {
  const accepts = compile(schema.ast)
  return accepts === undefined ? undefined : accepts(input)
}
