import { execFile } from "node:child_process"
import { promisify } from "node:util"

const exec = promisify(execFile)

/** Folders of every installed package in the production tree (`npm ls --omit=dev`), parents first. */
export const productionPackagePaths = async (root: string) => {
  const { stdout } = await exec("npm", ["ls", "--omit=dev", "--all", "--parseable"], { cwd: root })
  return stdout
    .split("\n")
    .filter((line) => line.includes("/node_modules/"))
    .sort((a, b) => a.length - b.length)
}

/** Package name of an installed package's folder (`…/node_modules/@scope/name` → `@scope/name`). */
export const packageNameOf = (path: string) => {
  const tail = path.slice(path.lastIndexOf("/node_modules/") + "/node_modules/".length)
  return tail.startsWith("@") ? tail.split("/").slice(0, 2).join("/") : tail.split("/")[0]!
}
