import type { Readiness } from "../../application/ports/cluster.ts"

type AnyObject = Record<string, any>

const conditionOf = (o: AnyObject, type: string): AnyObject | undefined =>
  ((o["status"]?.["conditions"] ?? []) as Array<AnyObject>).find((c) => c["type"] === type)

/** Reasons that no amount of waiting fixes. */
const imageFailures = new Set(["ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"])

/**
 * Whether an instance's Deployments are rolled out and available, or what holds them back, in
 * plain words (Kubernetes' own reason in parentheses). A Deployment scaled to 0 is not ready;
 * `restartedSince`: the app's pod template must carry a restart at or after that time. `crashLoopRestarts`: a container in
 * CrashLoopBackOff fails the instance once it has restarted this often (a database companion
 * may make the app crash a few times while it initialises).
 */
export const evaluateReadiness = (
  deployments: ReadonlyArray<AnyObject>,
  pods: ReadonlyArray<AnyObject>,
  crashLoopRestarts: number,
  restartedSince?: string
): Readiness => {
  let pending: string | undefined
  for (const pod of pods) {
    if (pod["metadata"]?.["deletionTimestamp"]) continue
    const scheduled = conditionOf(pod, "PodScheduled")
    if (scheduled?.["status"] === "False" && scheduled["reason"] === "Unschedulable") {
      pending = `no node can run it yet (Unschedulable): ${scheduled["message"] ?? "insufficient resources"}`
    }
    for (const status of (pod["status"]?.["containerStatuses"] ?? []) as Array<AnyObject>) {
      const waiting = status["state"]?.["waiting"] as AnyObject | undefined
      const reason = waiting?.["reason"] as string | undefined
      if (reason === undefined) continue
      const detail = waiting?.["message"] ? `: ${waiting["message"]}` : ""
      if (imageFailures.has(reason))
        return { _tag: "Failed", reason: `the image ${status["image"] ?? ""} could not be pulled (${reason})${detail}` }
      if (reason === "CreateContainerConfigError")
        return { _tag: "Failed", reason: `the container's configuration is invalid (${reason})${detail}` }
      if (reason === "CrashLoopBackOff") {
        const restarts = Number(status["restartCount"] ?? 0)
        const last = status["lastState"]?.["terminated"] as AnyObject | undefined
        const exit = last ? `, last exit code ${last["exitCode"]}${last["reason"] ? ` (${last["reason"]})` : ""}` : ""
        const words = `the ${status["name"] ?? "app"} container keeps crashing (CrashLoopBackOff, ${restarts} restarts${exit})`
        if (restarts >= crashLoopRestarts) return { _tag: "Failed", reason: words }
        pending = words
      } else if (reason === "ErrImagePull") {
        pending = `pulling the image ${status["image"] ?? ""} failed, retrying (ErrImagePull)${detail}`
      }
    }
  }
  if (deployments.length === 0) return { _tag: "Pending", reason: pending ?? "its Deployment does not exist yet" }
  let ready = true
  for (const d of deployments) {
    const failure = conditionOf(d, "ReplicaFailure")
    if (failure?.["status"] === "True") {
      const message = String(failure["message"] ?? "")
      if (/exceeded quota/i.test(message))
        return { _tag: "Failed", reason: `the tenant's resource quota is exceeded (FailedCreate): ${message}` }
      pending = `pods cannot be created (${failure["reason"] ?? "ReplicaFailure"}): ${message}`
    }
    const progressing = conditionOf(d, "Progressing")
    if (progressing?.["status"] === "False" && progressing["reason"] === "ProgressDeadlineExceeded") {
      // What held the pods back says more than the deadline itself.
      return {
        _tag: "Failed",
        reason: pending
          ? `${pending}; the rollout gave up (ProgressDeadlineExceeded)`
          : `the rollout made no progress (ProgressDeadlineExceeded): ${progressing["message"] ?? ""}`
      }
    }
    const desired = Number(d["spec"]?.["replicas"] ?? 1)
    if (desired === 0) return { _tag: "Pending", reason: "stopped (scaled to 0)" }
    const restartedAt = d["spec"]?.["template"]?.["metadata"]?.["annotations"]?.[
      "kubectl.kubernetes.io/restartedAt"
    ] as string | undefined
    if (
      restartedSince !== undefined &&
      d["metadata"]?.["labels"]?.["app.kubernetes.io/component"] === "app" &&
      (restartedAt ?? "") < restartedSince
    ) {
      return { _tag: "Pending", reason: "the restart has not reached the cluster yet" }
    }
    const status = (d["status"] ?? {}) as AnyObject
    const rolledOut =
      Number(d["metadata"]?.["generation"] ?? 0) <= Number(status["observedGeneration"] ?? 0) &&
      Number(status["updatedReplicas"] ?? 0) >= desired &&
      Number(status["availableReplicas"] ?? 0) >= desired &&
      Number(status["replicas"] ?? 0) <= desired
    if (!rolledOut) ready = false
  }
  return ready ? { _tag: "Ready" } : { _tag: "Pending", reason: pending }
}
