import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { KubeConfig } from "@kubernetes/client-node"
import { Layer } from "effect"
import Koa from "koa"
import { makeKubernetesCluster } from "../../adapters/kubernetes/cluster.ts"
import { Cluster } from "../../application/ports/cluster.ts"
import { ProvisioningPolicy } from "../../application/subscriptions/naming.ts"
import { makeKubeSimulator } from "../../adapters/kubesim/simulator.ts"
import type { Sql } from "../../adapters/postgres/client.ts"

/** The Kubernetes API simulator on an HTTP server of its own, in the test's process. */
export const startKubeSimulator = async (sql: Sql, options: { readonly readyDelayMs?: number } = {}) => {
  let selfUrl = ""
  const simulator = await makeKubeSimulator({ sql, selfUrl: () => selfUrl, readyDelayMs: options.readyDelayMs ?? 50, logIntervalMs: 50 })
  const app = new Koa()
  app.silent = true // a client closing its watch is no error worth printing
  app.use(simulator.router.routes())
  const server: Server = createServer(app.callback())
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  selfUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const kubeConfig = () => {
    const kc = new KubeConfig()
    kc.loadFromString(simulator.kubeconfig())
    return kc
  }
  return {
    simulator,
    kubeConfig,
    url: selfUrl,
    stop: async () => {
      await simulator.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

/** The Cluster port on the real adapter against a started simulator, with the provisioning policy. */
export const clusterOn = (sim: { readonly kubeConfig: () => KubeConfig }, policy: { readonly timeoutSeconds?: number } = {}) => {
  const options = {
    kubeConfig: sim.kubeConfig, requestTimeoutMs: 2_000, retries: 2, retryBaseMs: 20, crashLoopRestarts: 3,
    ingressClass: "nginx", tlsIssuer: undefined, storageClass: undefined, imagePullSecret: undefined, ingressNamespace: "ingress-nginx"
  }
  return Layer.mergeAll(
    Layer.succeed(Cluster, makeKubernetesCluster(options).service),
    Layer.succeed(ProvisioningPolicy, { baseDomain: "apps.test", timeoutSeconds: policy.timeoutSeconds ?? 300, namespacePrefix: "user-" })
  )
}
