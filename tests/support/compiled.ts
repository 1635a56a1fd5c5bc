import { join } from "node:path"
import { inject } from "vitest"

/** The compiled tree's root (see compileForTests.ts). */
export const compiledRoot = () => inject("compiledRoot")

/** The compiled JavaScript of one of infra/main's programs, run with `node <path>`. */
export const compiledScript = (program: "server" | "audit" | "migrate") =>
  join(compiledRoot(), "infra/main", `${program}.js`)
