import { describe, it } from "vitest"
import {
  CapacityBelowUsage,
  decideQuota,
  emptyQuota,
  evolveQuota,
  type QuotaEvent,
  QuotaExceeded
} from "../../../domain/quota/index.ts"
import { deciderSpecification } from "../../support/deciderSpecification.ts"

const { given } = deciderSpecification({ decide: decideQuota, evolve: evolveQuota, initialState: emptyQuota })

const taken = (subscriptionId: string): QuotaEvent => ({ _tag: "QuotaSlotTaken", subscriptionId })
const released = (subscriptionId: string): QuotaEvent => ({ _tag: "QuotaSlotReleased", subscriptionId })
const capacity = (value: number): QuotaEvent => ({ _tag: "QuotaCapacitySet", capacity: value, by: "admin" })
const take = (catalogCapacity: number) => ({ _tag: "TakeSlot" as const, subscriptionId: "s9", catalogCapacity })

describe("quota decider: every command", () => {
  describe("TakeSlot", () => {
    it("takes the last free slot of the catalog's capacity, and refuses the next", () => {
      given([taken("s1")])
        .when(take(2))
        .then([taken("s9")])
      given([taken("s1"), taken("s2")])
        .when(take(2))
        .then(new QuotaExceeded({ capacity: 2, used: 2 }))
    })
    it("prefers the capacity the stream records over the catalog's", () => {
      given([capacity(1), taken("s1")])
        .when(take(5))
        .then(new QuotaExceeded({ capacity: 1, used: 1 }))
      given([capacity(3), taken("s1")])
        .when(take(1))
        .then([taken("s9")])
    })
    it("counts released slots as free again", () => {
      given([taken("s1"), taken("s2"), released("s1")])
        .when(take(2))
        .then([taken("s9")])
    })
    it("refuses every slot of a plan with capacity 0", () =>
      given([capacity(0)])
        .when(take(10))
        .then(new QuotaExceeded({ capacity: 0, used: 0 })))
  })

  describe("ReleaseSlot", () => {
    it("releases a held slot", () =>
      given([taken("s1")])
        .when({ _tag: "ReleaseSlot", subscriptionId: "s1" })
        .then([released("s1")]))
    it("releases nothing when no slot is held", () => {
      given([]).when({ _tag: "ReleaseSlot", subscriptionId: "s1" }).then([])
      given([taken("s1"), released("s1")])
        .when({ _tag: "ReleaseSlot", subscriptionId: "s1" })
        .then([])
    })
  })

  describe("SetCapacity", () => {
    it("sets a capacity down to exactly the slots in use, not below", () => {
      given([taken("s1"), taken("s2")])
        .when({ _tag: "SetCapacity", capacity: 2, by: "admin" })
        .then([{ _tag: "QuotaCapacitySet", capacity: 2, by: "admin" }])
      given([taken("s1"), taken("s2")])
        .when({ _tag: "SetCapacity", capacity: 1, by: "admin" })
        .then(new CapacityBelowUsage({ requested: 1, used: 2 }))
    })
    it("refuses a capacity that is not a safe integer", () => {
      given([])
        .when({ _tag: "SetCapacity", capacity: 1.5, by: "admin" })
        .then(new CapacityBelowUsage({ requested: 1.5, used: 0 }))
      given([])
        .when({ _tag: "SetCapacity", capacity: Number.POSITIVE_INFINITY, by: "admin" })
        .then(new CapacityBelowUsage({ requested: Number.POSITIVE_INFINITY, used: 0 }))
    })
  })
})
