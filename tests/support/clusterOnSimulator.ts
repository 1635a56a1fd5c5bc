import { Layer } from "effect"
import { makeKubernetesCluster } from "../../adapters/kubernetes/cluster.ts"
import { Cluster } from "../../application/ports/cluster.ts"
import { ProvisioningPolicy } from "../../application/subscription/naming.ts"
import type { RunningKubeSimulator } from "./kubeSimulator.ts"

/** The adapter's settings in tests: fast retries, the usual cluster settings. */
export const adapterOptions = (sim: RunningKubeSimulator) => ({
  kubeConfig: () => sim.kubeConfig,
  requestTimeoutMs: 2_000,
  retries: 3,
  retryBaseMs: 20,
  crashLoopRestarts: 3,
  ingressClass: "nginx",
  tlsIssuer: "letsencrypt",
  storageClass: undefined,
  imagePullSecret: undefined,
  ingressNamespace: "ingress-nginx"
})

/** The Cluster port on the real adapter against a started simulator, with the provisioning policy. */
export const clusterOn = (sim: RunningKubeSimulator, policy: { readonly timeoutSeconds?: number } = {}) =>
  Layer.mergeAll(
    Layer.succeed(Cluster, makeKubernetesCluster(adapterOptions(sim)).service),
    Layer.succeed(ProvisioningPolicy, {
      baseDomain: "apps.test",
      timeoutSeconds: policy.timeoutSeconds ?? 300,
      namespacePrefix: "user-"
    })
  )
