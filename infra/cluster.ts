import { KubeConfig } from "@kubernetes/client-node"
import { Layer, Option } from "effect"
import { makeKubeClient } from "../adapters/kubernetes/client.ts"
import { kubeconfigYaml } from "../adapters/kubesim/kubeconfig.ts"
import { makeKubernetesCluster } from "../adapters/kubernetes/cluster.ts"
import { LogStreamKubernetes } from "../adapters/kubernetes/logs.ts"
import { hostname } from "node:os"
import { ReconciliationPolicy } from "../application/operations/reconciliation.ts"
import { Cluster } from "../application/ports/cluster.ts"
import { ProvisioningPolicy } from "../application/subscription/naming.ts"
import type { AppConfig } from "./config.ts"

/**
 * The cluster's kubeconfig: CLUSTER_MODE=kubernetes reads KUBECONFIG (or the pod's service
 * account when KUBERNETES_SERVICE_HOST is set); the simulator is this server under /dev/kube.
 */
export const kubeConfigOf = (config: AppConfig, selfUrl: () => string) => (): KubeConfig => {
  const kc = new KubeConfig()
  if (config.clusterMode === "kubernetes") {
    if (Option.isSome(config.kubeconfigPath)) kc.loadFromFile(config.kubeconfigPath.value)
    else kc.loadFromCluster()
    return kc
  }
  if (selfUrl() === "") throw new Error("the simulator's address is not known yet (the server is not listening)")
  kc.loadFromString(kubeconfigYaml(selfUrl()))
  return kc
}

/** The Cluster and LogStream ports on the Kubernetes adapter (one client, one request counter). */
export const clusterLayer = (config: AppConfig, kubeConfig: () => KubeConfig) => {
  const kube = makeKubeClient({
    kubeConfig,
    requestTimeoutMs: config.clusterRequestTimeoutMs,
    retries: 4,
    retryBaseMs: 200
  })
  const cluster = makeKubernetesCluster(
    {
      kubeConfig,
      requestTimeoutMs: config.clusterRequestTimeoutMs,
      retries: 4,
      retryBaseMs: 200,
      crashLoopRestarts: config.clusterCrashLoopRestarts,
      ingressClass: config.clusterIngressClass,
      ingressNamespace: config.clusterIngressNamespace,
      tlsIssuer: Option.getOrUndefined(config.clusterTlsIssuer),
      storageClass: Option.getOrUndefined(config.clusterStorageClass),
      imagePullSecret: Option.getOrUndefined(config.clusterImagePullSecret)
    },
    kube
  )
  return Layer.mergeAll(
    Layer.succeed(Cluster, cluster.service),
    LogStreamKubernetes(kube),
    Layer.succeed(ReconciliationPolicy, {
      crashLoopRestarts: config.clusterCrashLoopRestarts,
      replica: `${hostname()}:${process.pid}`
    }),
    Layer.succeed(ProvisioningPolicy, {
      baseDomain: config.clusterBaseDomain,
      timeoutSeconds: config.provisioningTimeoutSeconds,
      namespacePrefix: config.clusterNamespacePrefix
    })
  )
}
