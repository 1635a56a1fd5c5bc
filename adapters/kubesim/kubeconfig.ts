import { stringify } from "yaml"

export const kubeSimulatorPrefix = "/dev/kube"

/** The kubeconfig of the simulator: plain HTTP, so TLS verification is off (client-node needs it said). */
export const kubeconfigYaml = (selfUrl: string) =>
  stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "minispod-simulator",
        cluster: { server: `${selfUrl}${kubeSimulatorPrefix}`, "insecure-skip-tls-verify": true }
      }
    ],
    users: [{ name: "minispod", user: { token: "kubesim-dev-token" } }],
    contexts: [
      { name: "minispod-simulator", context: { cluster: "minispod-simulator", user: "minispod", namespace: "default" } }
    ],
    "current-context": "minispod-simulator",
    preferences: {}
  })
