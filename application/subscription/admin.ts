import { Effect } from "effect"
import { walletStreamId } from "../../domain/ledger/index.ts"
import {
  decideAdminRefund,
  decideExpiry,
  decideSubscription,
  subscriptionStreamId
} from "../../domain/subscription/index.ts"
import { Cluster } from "../ports/cluster.ts"
import { SubscriptionQueries } from "../ports/subscriptionQueries.ts"
import { nowIso } from "../shared/clock.ts"
import { bind, decideOn, subscriptionStream, walletStream } from "../shared/streams.ts"
import { periodRefundIds } from "../shared/transactionIds.ts"
import { SubscriptionNotFound } from "./errors.ts"
import { locate } from "./naming.ts"
import { decideOnLifecycle, onSubscription } from "./streams.ts"
import { cancelSubscription, subscribe, upgradeSubscription } from "./useCases.ts"

/** Every admin action carries the admin and the reason into the event metadata. */
const adminMeta = (adminId: string, reason: string) => ({ actor: adminId, reason })

const anySubscription = Effect.fn("AdminSubscriptions.find")(function* (subscriptionId: string) {
  const view = yield* (yield* SubscriptionQueries).find(subscriptionId)
  if (view === undefined) return yield* new SubscriptionNotFound({ subscriptionId })
  return view
})

/** A subscription given by an administrator: no credit needed, a 0-rupiah first period on record. */
export const bonusSubscription = Effect.fn("AdminSubscriptions.bonus")(function* (
  adminId: string,
  input: {
    readonly userId: string
    readonly planId: string
    readonly instanceName?: string | undefined
    readonly reason: string
  }
) {
  return yield* subscribe(
    { userId: input.userId, planId: input.planId, instanceName: input.instanceName, bonus: true },
    adminMeta(adminId, input.reason)
  )
})

export const forceCancel = Effect.fn("AdminSubscriptions.forceCancel")(function* (
  adminId: string,
  subscriptionId: string,
  refund: "none" | "prorated" | "full",
  reason: string
) {
  const view = yield* anySubscription(subscriptionId)
  return yield* cancelSubscription(
    view.userId,
    subscriptionId,
    { by: adminId, reason, refund },
    adminMeta(adminId, reason)
  )
})

export const adminUpgrade = Effect.fn("AdminSubscriptions.upgrade")(function* (
  adminId: string,
  subscriptionId: string,
  newPlanId: string,
  bonus: boolean,
  reason: string
) {
  const view = yield* anySubscription(subscriptionId)
  return yield* upgradeSubscription(view.userId, subscriptionId, newPlanId, { bonus }, adminMeta(adminId, reason))
})

/** Refund part of what the current period was charged, newest charge first, never beyond it. */
export const adminRefund = Effect.fn("AdminSubscriptions.refund")(function* (
  adminId: string,
  subscriptionId: string,
  amount: number,
  reason: string
) {
  const view = yield* anySubscription(subscriptionId)
  const refundTransactionIds = yield* periodRefundIds
  const refunded = yield* decideOn(
    {
      wallet: bind(walletStream, walletStreamId(view.userId)),
      subscription: bind(subscriptionStream, subscriptionStreamId(subscriptionId))
    },
    (states) => decideAdminRefund(states, { amount, reason, refundTransactionIds }),
    adminMeta(adminId, reason)
  )
  return { subscriptionId, refunded }
})

export const extendSubscription = Effect.fn("AdminSubscriptions.extend")(function* (
  adminId: string,
  subscriptionId: string,
  days: number,
  reason: string
) {
  yield* anySubscription(subscriptionId)
  yield* onSubscription(
    subscriptionId,
    (state) => decideSubscription({ _tag: "Extend", days, by: adminId, reason }, state),
    adminMeta(adminId, reason)
  )
  return (yield* (yield* SubscriptionQueries).find(subscriptionId))!
})

/** Ends a subscription now without refund: slot and service released, resources removed. */
export const expireSubscription = Effect.fn("AdminSubscriptions.expire")(function* (
  adminId: string,
  subscriptionId: string,
  reason: string
) {
  const view = yield* anySubscription(subscriptionId)
  const now = yield* nowIso
  // Re-read under the locks: an upgrade committed since the view was read moves the quota stream.
  yield* decideOnLifecycle(
    view.id,
    (states) => decideExpiry(states, { now, by: adminId, reason }),
    adminMeta(adminId, reason)
  )
  const at = yield* locate(view)
  yield* (yield* Cluster).remove(at.namespace, at.name).pipe(Effect.catchAll(() => Effect.void))
  return (yield* (yield* SubscriptionQueries).find(subscriptionId))!
})
