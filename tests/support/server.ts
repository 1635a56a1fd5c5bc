import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { compiledScript } from "./compiled.ts"

export interface StartedServer {
  readonly baseUrl: string
  readonly process: ChildProcess
  output: () => string
  /** SIGTERM and wait; resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

/** The server run from the sources through tsx, as `npm start` does. */
export const fromSources = [process.execPath, "--import", "tsx", "infra/main/server.ts"] as const

/**
 * Starts the server as a process (by default: in a test run, the run's compiled JavaScript, as the
 * image runs it; in a bench, the sources) or with another command such as `npm start`, and waits
 * for its banner.
 */
export const startServer = async (
  env: Record<string, string | undefined>,
  options: { readonly command?: readonly [string, ...Array<string>]; readonly cwd?: string } = {}
): Promise<StartedServer> => {
  const [command, ...args] =
    options.command ?? (process.env["VITEST"] ? [process.execPath, compiledScript("server")] : fromSources)
  const child = spawn(command, args, {
    env: {
      PATH: process.env["PATH"],
      HOME: process.env["HOME"],
      PORT: "0",
      LOG_LEVEL: "info",
      CHECK_RESPONSES: "true",
      ...env
    } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.cwd ? { cwd: options.cwd } : {})
  })
  let output = ""
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()))
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000)
    const check = () => {
      const match = /MinisPod listening on (http:\/\/[^\s"]+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    }
    child.stdout!.on("data", check)
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}:\n${output}`))
    })
  })
  return {
    baseUrl,
    process: child,
    output: () => output,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode !== null) return child.exitCode
      const exited = once(child, "exit")
      child.kill(signal)
      const [code] = await exited
      return code as number | null
    }
  }
}

export interface ApiResponse {
  readonly status: number
  readonly headers: Headers
  readonly body: any
}

/** A tiny JSON client for the API. */
export const api = (baseUrl: string) => {
  const call = async (
    method: string,
    path: string,
    options: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}
  ): Promise<ApiResponse> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(options.body !== undefined || options.raw !== undefined ? { "content-type": "application/json" } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers
      },
      ...(options.raw !== undefined
        ? { body: options.raw }
        : options.body !== undefined
          ? { body: JSON.stringify(options.body) }
          : {})
    })
    const text = await response.text()
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      // non-JSON (metrics)
    }
    return { status: response.status, headers: response.headers, body }
  }
  return {
    get: (path: string, token?: string, headers?: Record<string, string>) =>
      call("GET", path, { ...(token ? { token } : {}), ...(headers ? { headers } : {}) }),
    post: (path: string, body: unknown, token?: string, headers?: Record<string, string>) =>
      call("POST", path, { body, ...(token ? { token } : {}), ...(headers ? { headers } : {}) }),
    put: (path: string, body: unknown, token?: string) => call("PUT", path, { body, ...(token ? { token } : {}) }),
    delete: (path: string, token?: string, body?: unknown) =>
      call("DELETE", path, { ...(token ? { token } : {}), ...(body === undefined ? {} : { body }) }),
    raw: (method: string, path: string, raw: string, token?: string) =>
      call(method, path, { raw, ...(token ? { token } : {}) })
  }
}

let counter = 0
/** Object mother for new accounts. */
export const newUser = (label = "user") => ({
  name: `Test ${label}`,
  email: `${label}-${Date.now()}-${++counter}@example.com`,
  password: "correct horse battery"
})

export type Api = ReturnType<typeof api>

/** The dev-default administrator every test server starts with. */
export const devAdmin = { email: "admin@minispod.local", password: "minispod-admin" } as const

export const adminToken = async (http: Api) =>
  (await http.post("/api/auth/login", devAdmin)).body.data.accessToken as string

/** Object mother: a registered user, credited by the administrator when `credit` > 0. */
export const customer = async (http: Api, admin: string, label: string, credit: number) => {
  const registered = (await http.post("/api/auth/register", newUser(label))).body.data
  if (credit > 0)
    await http.post(
      `/api/admin/users/${registered.user.id}/credit-adjustment`,
      { amount: credit, reason: "test credit" },
      admin
    )
  return {
    id: registered.user.id as string,
    token: registered.accessToken as string,
    email: registered.user.email as string
  }
}

export const balanceOf = async (http: Api, token: string) =>
  (await http.get("/api/wallet/info", token)).body.data.balance as number
