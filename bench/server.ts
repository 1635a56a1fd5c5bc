import { spawn } from "node:child_process"
import { once } from "node:events"

/**
 * Starts `node --import tsx <script>` for a bench and waits (up to 5 min: a loaded machine
 * compiles slowly) for `pattern` on its stdout; resolves with the match's first group. The
 * process's output is not kept (a server logs one line per request).
 */
export const startProcess = async (script: string, env: Record<string, string | undefined>, pattern: RegExp) => {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let head = ""
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${head}`)), 300_000)
    const watch = (chunk: Buffer) => {
      if (head.length < 20_000) head += chunk.toString()
      const match = pattern.exec(head)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    }
    child.stdout.on("data", watch)
    child.stderr.on("data", watch)
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`${script} exited with ${code}:\n${head}`))
    })
  })
  child.stdout.resume()
  child.stderr.resume()
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = once(child, "exit")
      child.kill("SIGTERM")
      await exited
    }
  }
}

/** The MinisPod server as `npm start` runs it, on any free loopback port. */
export const startBenchServer = (env: Record<string, string>) =>
  startProcess("infra/main/server.ts", { PORT: "0", ...env }, /MinisPod listening on (http:\/\/[^\s"]+)/)
