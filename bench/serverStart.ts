import { spawn } from "node:child_process"
import { once } from "node:events"

/**
 * Milliseconds from spawning a server command to a 200 from its /healthz; then SIGTERM and wait
 * for the exit. Never used by tests.
 */
export const timeToHealthz = async (
  [command, ...args]: ReadonlyArray<string>,
  env: Record<string, string>,
  cwd?: string
) => {
  const started = performance.now()
  const child = spawn(command!, args, {
    // The start banner, which names the address, is an info line.
    env: { PATH: process.env["PATH"], HOME: process.env["HOME"], PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "inherit"],
    ...(cwd === undefined ? {} : { cwd })
  })
  let output = ""
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()))
  const exited = once(child, "exit")
  let url: string | undefined
  while (url === undefined) {
    if (child.exitCode !== null) throw new Error(`server exited:\n${output}`)
    url = /MinisPod listening on (http:\/\/[^\s"]+)/.exec(output)?.[1] // the banner is a JSON line
    if (url === undefined) await new Promise((resolve) => setTimeout(resolve, 2))
  }
  while (
    (await fetch(`${url}/healthz`).then(
      (r) => r.status,
      () => 0
    )) !== 200
  )
    await new Promise((resolve) => setTimeout(resolve, 2))
  const elapsed = performance.now() - started
  child.kill("SIGTERM")
  await exited
  return elapsed
}

export const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
