import { describe, expect, it } from "vitest"
import { evaluateReadiness } from "../../adapters/kubernetes/readiness.ts"

const deployment = (status: Record<string, unknown>, spec: Record<string, unknown> = {}, generation = 2) => ({
  metadata: { generation },
  spec,
  status
})
const rolledOut = { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }
const pod = (containerStatus: Record<string, unknown>, conditions: Array<Record<string, unknown>> = []) => ({
  metadata: {},
  status: { conditions, containerStatuses: [{ name: "app", image: "x:1", ...containerStatus }] }
})

describe("readiness from Deployments and Pods", () => {
  it("is Ready only when every Deployment is rolled out and available", () => {
    expect(evaluateReadiness([deployment(rolledOut)], [], 3)).toEqual({ _tag: "Ready" })
    expect(
      evaluateReadiness([deployment(rolledOut), deployment({ ...rolledOut, availableReplicas: 0 })], [], 3)._tag
    ).toBe("Pending")
    expect(evaluateReadiness([deployment({ ...rolledOut, observedGeneration: 1 })], [], 3)._tag).toBe("Pending") // a restart not yet seen
    expect(evaluateReadiness([deployment({ ...rolledOut, replicas: 2 })], [], 3)._tag).toBe("Pending") // the old pod still there
    expect(evaluateReadiness([], [], 3)).toMatchObject({
      _tag: "Pending",
      reason: expect.stringContaining("does not exist")
    })
    expect(
      evaluateReadiness([deployment({ ...rolledOut, replicas: 0, availableReplicas: 0 }, { replicas: 0 })], [], 3)
    ).toMatchObject({ _tag: "Pending", reason: "stopped (scaled to 0)" })
  })

  it("waits for a restart to reach the cluster before its rollout counts", () => {
    const restarted = (at: string) => ({
      ...deployment(rolledOut),
      metadata: { generation: 2, labels: { "app.kubernetes.io/component": "app" } },
      spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": at } } } }
    })
    expect(evaluateReadiness([restarted("2026-11-22T03:00:00.000Z")], [], 3, "2026-11-22T03:00:01.000Z")._tag).toBe(
      "Pending"
    )
    expect(evaluateReadiness([restarted("2026-11-22T03:00:02.000Z")], [], 3, "2026-11-22T03:00:01.000Z")._tag).toBe(
      "Ready"
    )
  })

  it("names Kubernetes' reasons in plain words; image pull failures and repeated crashes are final", () => {
    expect(
      evaluateReadiness(
        [deployment({})],
        [pod({ state: { waiting: { reason: "ImagePullBackOff", message: "not found" } } })],
        3
      )
    ).toEqual({ _tag: "Failed", reason: "the image x:1 could not be pulled (ImagePullBackOff): not found" })
    const crash = (restartCount: number) =>
      pod({
        restartCount,
        state: { waiting: { reason: "CrashLoopBackOff" } },
        lastState: { terminated: { exitCode: 1, reason: "Error" } }
      })
    expect(evaluateReadiness([deployment({})], [crash(1)], 3)).toMatchObject({
      _tag: "Pending",
      reason: expect.stringContaining("CrashLoopBackOff, 1 restarts")
    })
    expect(evaluateReadiness([deployment({})], [crash(3)], 3)).toMatchObject({
      _tag: "Failed",
      reason: expect.stringContaining("keeps crashing (CrashLoopBackOff, 3 restarts, last exit code 1 (Error))")
    })
    const deadline = deployment({
      conditions: [
        {
          type: "Progressing",
          status: "False",
          reason: "ProgressDeadlineExceeded",
          message: 'ReplicaSet "a" has timed out progressing.'
        }
      ]
    })
    expect(evaluateReadiness([deadline], [crash(1)], 3)).toMatchObject({
      _tag: "Failed",
      reason: expect.stringMatching(/keeps crashing \(CrashLoopBackOff, 1 restarts.*\(ProgressDeadlineExceeded\)$/)
    })
    expect(evaluateReadiness([deadline], [], 3)).toMatchObject({
      _tag: "Failed",
      reason: expect.stringContaining("made no progress (ProgressDeadlineExceeded)")
    })
    const unschedulable = pod({}, [
      {
        type: "PodScheduled",
        status: "False",
        reason: "Unschedulable",
        message: "0/2 nodes are available: insufficient memory"
      }
    ])
    expect(evaluateReadiness([deployment({})], [unschedulable], 3)).toMatchObject({
      _tag: "Pending",
      reason: expect.stringContaining("Unschedulable): 0/2 nodes")
    })
    const quota = deployment({
      conditions: [
        {
          type: "ReplicaFailure",
          status: "True",
          reason: "FailedCreate",
          message: 'pods "a" is forbidden: exceeded quota: tenant-quota'
        }
      ]
    })
    expect(evaluateReadiness([quota], [], 3)).toMatchObject({
      _tag: "Failed",
      reason: expect.stringContaining("resource quota is exceeded")
    })
  })
})
