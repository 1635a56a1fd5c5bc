import { ApiException } from "@kubernetes/client-node"
import { describe, expect, it } from "vitest"
import { classify } from "../../adapters/kubernetes/client.ts"

const api = (code: number, message: string, reason = "") =>
  new ApiException(code, "Unsuccessful HTTP Request", { kind: "Status", code, message, reason }, {})

describe("API-server errors as typed port errors", () => {
  it("transient ones are ClusterUnavailable: 5xx, 429, 409 Conflict, a terminating namespace, timeouts, refused connections", () => {
    expect(classify("op", api(503, "etcd is down"))).toMatchObject({
      _tag: "ClusterUnavailable",
      reason: "HTTP 503: etcd is down"
    })
    expect(classify("op", api(429, "slow down"))._tag).toBe("ClusterUnavailable")
    expect(classify("op", api(409, "the object has been modified", "Conflict"))._tag).toBe("ClusterUnavailable")
    expect(
      classify("op", api(403, "unable to create new content in namespace user-x because it is being terminated"))._tag
    ).toBe("ClusterUnavailable")
    expect(classify("op", Object.assign(new Error("The operation was aborted"), { name: "AbortError" }))).toMatchObject(
      { _tag: "ClusterUnavailable", reason: "timed out" }
    )
    expect(classify("op", Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))).toMatchObject({
      reason: "ECONNREFUSED"
    })
  })

  it("permanent ones are ClusterRejected in plain words: RBAC, quota, invalid; 404 is absence", () => {
    expect(
      classify(
        "op",
        api(
          403,
          `deployments.apps "a" is forbidden: User "system:serviceaccount:minispod:minispod" cannot patch resource "deployments"`
        )
      )
    ).toMatchObject({
      _tag: "ClusterRejected",
      status: 403,
      reason: expect.stringMatching(/^forbidden by the cluster's RBAC/)
    })
    expect(
      classify(
        "op",
        api(
          403,
          `persistentvolumeclaims "a" is forbidden: exceeded quota: tenant-quota, requested: requests.storage=10Gi`
        )
      )
    ).toMatchObject({
      _tag: "ClusterRejected",
      reason: expect.stringMatching(/^the tenant's resource quota is exceeded/)
    })
    expect(
      classify("op", api(422, `Deployment.apps "a" is invalid: spec.template.spec.containers[0].image: Required value`))
    ).toMatchObject({ _tag: "ClusterRejected", status: 422 })
    expect(classify("op", api(409, "already exists", "AlreadyExists"))._tag).toBe("ClusterRejected")
    expect(classify("op", api(404, "not found"))._tag).toBe("NotFound")
  })
})
