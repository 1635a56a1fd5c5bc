import { nowIso } from "./objects.ts"
import type { Obj } from "./store.ts"

/** A simulated node: 8 CPUs, 32 GiB, Ready, kubelet v1.32. */
export const nodeObject = (name: string, index: number): Obj => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: {
    name,
    labels: {
      "kubernetes.io/hostname": name,
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      "node.kubernetes.io/instance-type": "kubesim.large",
      "topology.kubernetes.io/zone": `sim-${index % 2 === 0 ? "a" : "b"}`
    },
    creationTimestamp: nowIso()
  },
  spec: { podCIDR: `10.244.${index}.0/24`, podCIDRs: [`10.244.${index}.0/24`] },
  status: {
    capacity: { cpu: "8", memory: "32Gi", pods: "110", "ephemeral-storage": "100Gi" },
    allocatable: { cpu: "7800m", memory: "31Gi", pods: "110", "ephemeral-storage": "95Gi" },
    conditions: [
      {
        type: "MemoryPressure",
        status: "False",
        reason: "KubeletHasSufficientMemory",
        message: "kubelet has sufficient memory available"
      },
      {
        type: "DiskPressure",
        status: "False",
        reason: "KubeletHasNoDiskPressure",
        message: "kubelet has no disk pressure"
      },
      {
        type: "PIDPressure",
        status: "False",
        reason: "KubeletHasSufficientPID",
        message: "kubelet has sufficient PID available"
      },
      { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" }
    ].map((c) => ({ ...c, lastHeartbeatTime: nowIso(), lastTransitionTime: nowIso() })),
    addresses: [
      { type: "InternalIP", address: `10.0.0.${10 + index}` },
      { type: "Hostname", address: name }
    ],
    nodeInfo: {
      kubeletVersion: "v1.32.0",
      kubeProxyVersion: "v1.32.0",
      containerRuntimeVersion: "containerd://1.7.22",
      osImage: "MinisPod kube simulator",
      kernelVersion: "6.1.0",
      operatingSystem: "linux",
      architecture: "amd64",
      machineID: name,
      systemUUID: name,
      bootID: name
    }
  }
})
