import { execFile } from "node:child_process"
import { resolve } from "node:path"
import { promisify } from "node:util"

const exec = promisify(execFile)
const root = resolve(import.meta.dirname, "../..")

/** The server's own configuration check (`loadConfig`, as at start) with exactly this environment. */
export const checkConfiguration = (env: Readonly<Record<string, string>>) =>
  exec(process.execPath, ["--import", "tsx", "--input-type=module", "-e", "await (await import('./infra/config.ts')).loadConfig()"], {
    cwd: root,
    env: { PATH: process.env["PATH"], HOME: process.env["HOME"], ...env }
  }).then(
    () => ({ accepted: true, errors: "" }),
    (error: { stderr: string }) => ({ accepted: false, errors: error.stderr })
  )
