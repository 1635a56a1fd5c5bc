import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { KubeConfig } from "@kubernetes/client-node"
import { makeHttpApp } from "../../adapters/http/app.ts"
import { type KubeSimulatorOptions, makeKubeSimulator, type KubeSimulator } from "../../adapters/kubesim/simulator.ts"
import type { Sql } from "../../adapters/postgres/client.ts"

export interface RunningKubeSimulator {
  readonly baseUrl: string
  readonly simulator: KubeSimulator
  /** A client-node KubeConfig pointing at it (from GET /dev/kube-config, as an operator would load it). */
  readonly kubeConfig: KubeConfig
  readonly stop: () => Promise<void>
}

const silent = { info: () => {}, warn: () => {}, error: () => {} }

/**
 * The Kubernetes API simulator inside MinisPod's real HTTP pipeline (body parser, error
 * middleware), on an ephemeral port, over a test database: the fake API server of the tests.
 */
export const startKubeSimulator = async (
  sql: Sql,
  options: Partial<Omit<KubeSimulatorOptions, "sql" | "selfUrl">> = {},
  /** Sees every HTTP request as it arrives (headers the simulator's request log does not keep). */
  onRequest?: (request: IncomingMessage) => void
): Promise<RunningKubeSimulator> => {
  let selfUrl = ""
  const simulator = await makeKubeSimulator({
    readyDelayMs: 200,
    logIntervalMs: 100,
    ...options,
    sql,
    selfUrl: () => selfUrl
  })
  const { app, drained } = makeHttpApp({
    routes: [],
    extraRouters: [simulator.router],
    run: (() => Promise.reject(new Error("no API routes in this server"))) as never,
    logger: silent,
    bodyLimitBytes: 100 * 1024,
    trustProxy: false,
    ready: async () => true
  })
  const callback = app.callback()
  const server: Server = createServer((request, response) => {
    onRequest?.(request)
    void callback(request, response)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  selfUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const kubeConfig = new KubeConfig()
  kubeConfig.loadFromString(await (await fetch(`${selfUrl}/dev/kube-config`)).text())
  return {
    baseUrl: selfUrl,
    simulator,
    kubeConfig,
    stop: async () => {
      await simulator.close()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await drained()
    }
  }
}
