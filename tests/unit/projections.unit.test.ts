import { describe, expect, it } from "vitest"
import { eventTypesOf } from "../../adapters/postgres/projection.ts"
import { CouponEvent } from "../../domain/coupon/index.ts"
import { WalletEvent } from "../../domain/ledger/index.ts"
import { ClusterAdminEvent, InstanceOpsEvent } from "../../domain/operations/index.ts"
import { PaymentEvent } from "../../domain/payment/index.ts"
import { QuotaEvent } from "../../domain/quota/index.ts"
import { ServiceGuardEvent, SubscriptionEvent } from "../../domain/subscription/index.ts"
import { readModels } from "../../infra/projections.ts"

/** Every stream's event Schema: the store hands a read model events by type, so types must not repeat. */
const streams = {
  WalletEvent,
  PaymentEvent,
  QuotaEvent,
  SubscriptionEvent,
  ServiceGuardEvent,
  CouponEvent,
  InstanceOpsEvent,
  ClusterAdminEvent
}

describe("read model registration", () => {
  it("reads an event Schema's types from its tagged structs", () => {
    expect(eventTypesOf(QuotaEvent)).toEqual(["QuotaCapacitySet", "QuotaSlotTaken", "QuotaSlotReleased"])
    expect(eventTypesOf(CouponEvent)).toEqual(["CouponRedeemed"])
  })

  it("no event type is stored on two kinds of stream, so a type names its stream", () => {
    const owners = new Map<string, Array<string>>()
    for (const [name, schema] of Object.entries(streams)) {
      for (const type of eventTypesOf(schema)) owners.set(type, [...(owners.get(type) ?? []), name])
    }
    expect([...owners].filter(([, names]) => names.length > 1)).toEqual([])
  })

  it("every type a read model handles is a stored event type (a misspelt one would never arrive)", () => {
    const stored = new Set(Object.values(streams).flatMap(eventTypesOf))
    const unknown = readModels.flatMap((p) =>
      [...p.handles].filter((type) => !stored.has(type)).map((type) => `${p.name}: ${type}`)
    )
    expect(unknown).toEqual([])
  })

  it("the notification outbox runs last: it reads the rows the others just wrote", () => {
    expect(readModels.map((p) => p.name).at(-1)).toBe("notifications")
    expect(new Set(readModels.map((p) => p.name)).size).toBe(readModels.length)
  })
})
