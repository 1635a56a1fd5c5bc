import { isDeepStrictEqual } from "node:util"

/**
 * Equality of JSON values as stored: key order ignored (jsonb reorders keys) and undefined
 * properties treated as absent (they are not stored).
 */
export const sameJson = (a: unknown, b: unknown) =>
  isDeepStrictEqual(
    a === undefined ? undefined : JSON.parse(JSON.stringify(a)),
    b === undefined ? undefined : JSON.parse(JSON.stringify(b))
  )
