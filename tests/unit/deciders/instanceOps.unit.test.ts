import { Either } from "effect"
import { describe, it } from "vitest"
import {
  decideHealth,
  decideMaintenance,
  decideRepairRecord,
  evolveInstanceOps,
  type HealthVerdict,
  InstanceInMaintenance,
  type InstanceOpsEvent,
  type InstanceOpsState,
  mayControl,
  noInstanceOps,
  type PlannedRepair
} from "../../../domain/operations/index.ts"
import { deciderSpecification } from "../../support/deciderSpecification.ts"

const sub = "sub-1"
const at = "2026-11-22T10:00:00.000Z"

/** The commands of an instance-ops stream (the decisions of domain/operations/decide.ts). */
type Command =
  | { readonly _tag: "SetMaintenance"; readonly enabled: boolean; readonly by: string; readonly reason: string }
  | { readonly _tag: "JudgeHealth"; readonly verdict: HealthVerdict | undefined }
  | { readonly _tag: "RecordRepair"; readonly planned: PlannedRepair }
  | { readonly _tag: "Control"; readonly byAdministrator: boolean }

const spec = deciderSpecification<
  Command,
  InstanceOpsEvent,
  InstanceOpsState,
  ReadonlyArray<InstanceOpsEvent>,
  InstanceInMaintenance
>({
  initialState: noInstanceOps,
  evolve: evolveInstanceOps,
  decide: (command, state) => {
    switch (command._tag) {
      case "SetMaintenance":
        return Either.right(decideMaintenance(state, { subscriptionId: sub, ...command, now: at }))
      case "JudgeHealth":
        return Either.right(decideHealth(state, sub, command.verdict, at))
      case "RecordRepair":
        return Either.right(decideRepairRecord(sub, command.planned, at))
      case "Control":
        return Either.map(mayControl(state, sub, command.byAdministrator), () => [])
    }
  }
})

const started: InstanceOpsEvent = {
  _tag: "MaintenanceStarted",
  subscriptionId: sub,
  by: "admin-1",
  reason: "disk check",
  at
}
const ended: InstanceOpsEvent = { _tag: "MaintenanceEnded", subscriptionId: sub, by: "admin-1", reason: "done", at }
const health = (status: "HEALTHY" | "DEGRADED" | "DOWN", reason: string | null): InstanceOpsEvent => ({
  _tag: "InstanceHealthChanged",
  subscriptionId: sub,
  status,
  reason,
  at
})

describe("instance operations decider", () => {
  describe("maintenance", () => {
    it("starts once; asking again changes nothing", () => {
      spec
        .given([])
        .when({ _tag: "SetMaintenance", enabled: true, by: "admin-1", reason: "disk check" })
        .then([started])
      spec.given([started]).when({ _tag: "SetMaintenance", enabled: true, by: "admin-2", reason: "again" }).then([])
    })
    it("ends only what was started", () => {
      spec
        .given([started])
        .when({ _tag: "SetMaintenance", enabled: false, by: "admin-1", reason: "done" })
        .then([ended])
      spec.given([started, ended]).when({ _tag: "SetMaintenance", enabled: false, by: "admin-1", reason: "x" }).then([])
      spec.given([]).when({ _tag: "SetMaintenance", enabled: false, by: "admin-1", reason: "x" }).then([])
    })
  })

  describe("control by the owner or an administrator", () => {
    it("refuses the owner while maintenance holds the instance, with its reason", () => {
      spec
        .given([started])
        .when({ _tag: "Control", byAdministrator: false })
        .then(new InstanceInMaintenance({ subscriptionId: sub, reason: "disk check" }))
    })
    it("lets administrators through, and the owner once maintenance ended", () => {
      spec.given([started]).when({ _tag: "Control", byAdministrator: true }).then([])
      spec.given([started, ended]).when({ _tag: "Control", byAdministrator: false }).then([])
    })
  })

  describe("health", () => {
    it("records a verdict only when status or reason changes", () => {
      spec
        .given([])
        .when({ _tag: "JudgeHealth", verdict: { status: "DEGRADED", reason: "CrashLoopBackOff" } })
        .then([health("DEGRADED", "CrashLoopBackOff")])
      spec
        .given([health("DEGRADED", "CrashLoopBackOff")])
        .when({ _tag: "JudgeHealth", verdict: { status: "DEGRADED", reason: "CrashLoopBackOff" } })
        .then([])
      spec
        .given([health("DEGRADED", "CrashLoopBackOff")])
        .when({ _tag: "JudgeHealth", verdict: { status: "DOWN", reason: "ImagePullBackOff" } })
        .then([health("DOWN", "ImagePullBackOff")])
      spec
        .given([health("DOWN", "ImagePullBackOff")])
        .when({ _tag: "JudgeHealth", verdict: { status: "HEALTHY", reason: null } })
        .then([health("HEALTHY", null)])
    })
    it("records nothing without a verdict (nothing observed)", () => {
      spec
        .given([health("DOWN", "x")])
        .when({ _tag: "JudgeHealth", verdict: undefined })
        .then([])
    })
  })

  describe("drift repair", () => {
    it("records each planned repair with what was found", () => {
      spec
        .given([])
        .when({ _tag: "RecordRepair", planned: { repair: "reapplied", found: "no deployment" } })
        .then([{ _tag: "InstanceDriftRepaired", subscriptionId: sub, repair: "reapplied", found: "no deployment", at }])
    })
  })
})
