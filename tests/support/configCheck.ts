import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { compiledRoot } from "./compiled.ts"

const exec = promisify(execFile)

/** The server's own configuration check (`loadConfig`, as at start) with exactly this environment. */
export const checkConfiguration = (env: Readonly<Record<string, string>>) =>
  exec(process.execPath, ["--input-type=module", "-e", "await (await import('./infra/config.js')).loadConfig()"], {
    cwd: compiledRoot(),
    env: { PATH: process.env["PATH"], HOME: process.env["HOME"], ...env }
  }).then(
    () => ({ accepted: true, errors: "" }),
    (error: { stderr: string }) => ({ accepted: false, errors: error.stderr })
  )
