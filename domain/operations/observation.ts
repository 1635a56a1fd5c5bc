/** What the cluster runs for one instance, as the reconciliation loop sees it (no I/O here: data only). */
export interface ObservedDeployment {
  readonly name: string
  readonly component: "app" | "database"
  /** spec.replicas */
  readonly replicas: number
  readonly readyReplicas: number
}

export interface ObservedPod {
  readonly name: string
  readonly component: "app" | "database"
  readonly ready: boolean
  /** Container restarts, summed over the pod's containers. */
  readonly restarts: number
  /** A waiting container's reason (CrashLoopBackOff, ImagePullBackOff, ContainerCreating …). */
  readonly waitingReason: string | undefined
  readonly node: string | undefined
  readonly terminating: boolean
}

export interface ObservedInstance {
  readonly namespace: string
  /** The instance's object name (`<name>-<id8>`). */
  readonly name: string
  /** From the objects' instance-id label ("" when missing). */
  readonly instanceId: string
  readonly deployments: ReadonlyArray<ObservedDeployment>
  readonly pods: ReadonlyArray<ObservedPod>
}
