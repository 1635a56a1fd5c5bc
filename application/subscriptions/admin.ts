import { Clock, Effect, Either } from "effect"
import { RefundExceedsCharge, type WalletCommand, walletStreamId } from "../../domain/ledger/index.ts"
import { quotaStreamId } from "../../domain/quota/index.ts"
import {
  decideSubscription,
  releaseService,
  serviceGuardStreamId,
  subscriptionStreamId
} from "../../domain/subscription/index.ts"
import { decideQuotaStream } from "../catalog/useCases.ts"
import { planWalletCommands, walletStateOf, writtenTransactionIds } from "../ledger/walletStream.ts"
import { Cluster } from "../ports/cluster.ts"
import { TransactionIds } from "../ports/ids.ts"
import { SubscriptionQueries } from "../ports/subscriptionQueries.ts"
import { runCommand } from "../shared/runCommand.ts"
import { guardEvents, guardStateOf, subEvents, subStateOf } from "./streams.ts"
import { SubscriptionNotFound } from "./errors.ts"
import { locate } from "./naming.ts"
import { cancelSubscription, subscribe, upgradeSubscription } from "./useCases.ts"

/** Every admin action carries the admin and the reason into the event metadata. */
const adminMeta = (adminId: string, reason: string) => ({ actor: adminId, reason })

const anySubscription = Effect.fn("AdminSubscriptions.find")(function*(subscriptionId: string) {
  const view = yield* (yield* SubscriptionQueries).find(subscriptionId)
  if (view === undefined) return yield* new SubscriptionNotFound({ subscriptionId })
  return view
})

/** A subscription given by an administrator: no credit needed, a 0-rupiah first period on record. */
export const bonusSubscription = Effect.fn("AdminSubscriptions.bonus")(function*(
  adminId: string,
  input: { readonly userId: string; readonly planId: string; readonly instanceName?: string | undefined; readonly reason: string }
) {
  return yield* subscribe({ userId: input.userId, planId: input.planId, instanceName: input.instanceName, bonus: true }, adminMeta(adminId, input.reason))
})

export const forceCancel = Effect.fn("AdminSubscriptions.forceCancel")(function*(
  adminId: string,
  subscriptionId: string,
  refund: "none" | "prorated" | "full",
  reason: string
) {
  const view = yield* anySubscription(subscriptionId)
  return yield* cancelSubscription(view.userId, subscriptionId, { by: adminId, reason, refund }, adminMeta(adminId, reason))
})

export const adminUpgrade = Effect.fn("AdminSubscriptions.upgrade")(function*(adminId: string, subscriptionId: string, newPlanId: string, bonus: boolean, reason: string) {
  const view = yield* anySubscription(subscriptionId)
  return yield* upgradeSubscription(view.userId, subscriptionId, newPlanId, { bonus }, adminMeta(adminId, reason))
})

/** Refund part of what the current period was charged, newest charge first, never beyond it. */
export const adminRefund = Effect.fn("AdminSubscriptions.refund")(function*(adminId: string, subscriptionId: string, amount: number, reason: string) {
  const view = yield* anySubscription(subscriptionId)
  const ids = yield* TransactionIds
  // A period has at most 5 charges: the first month and one upgrade per higher tier.
  const refundIds = [yield* ids.next, yield* ids.next, yield* ids.next, yield* ids.next, yield* ids.next]
  const subId = subscriptionStreamId(subscriptionId)
  const walletId = walletStreamId(view.userId)
  const refunded: Array<{ transactionId: string; amount: number }> = []
  const recorded = yield* runCommand([walletId, subId], (loaded) =>
    Either.gen(function*() {
      const sub = subStateOf(loaded.get(subId))
      const wallet = walletStateOf(loaded.get(walletId))
      let left = amount
      const commands: Array<Extract<WalletCommand, { _tag: "RefundCharge" }>> = []
      for (const [i, charge] of [...sub.periodCharges].reverse().entries()) {
        const record = wallet.charges.get(charge.transactionId)
        const refundable = record ? record.amount - record.refunded : 0
        const part = Math.min(left, refundable)
        if (part <= 0) continue
        commands.push({ _tag: "RefundCharge", transactionId: refundIds[i]!, amount: part, reference: `admin-refund:${refundIds[i]}`, chargeTransactionId: charge.transactionId, reason })
        left -= part
      }
      if (left > 0) return yield* Either.left(new RefundExceedsCharge({ chargeTransactionId: sub.periodCharges.at(-1)?.transactionId ?? "-", requested: amount, refundable: amount - left }))
      refunded.splice(0, refunded.length, ...commands.map((c) => ({ transactionId: c.transactionId, amount: c.amount })))
      const plan = yield* planWalletCommands(view.userId, wallet, commands)
      return plan.append ? [plan.append] : []
    }), adminMeta(adminId, reason))
  const numbers = writtenTransactionIds(view.userId, recorded)
  return { subscriptionId, refunded: refunded.map((r, i) => ({ ...r, transactionId: numbers[i]! })) }
})

export const extendSubscription = Effect.fn("AdminSubscriptions.extend")(function*(adminId: string, subscriptionId: string, days: number, reason: string) {
  yield* anySubscription(subscriptionId)
  const subId = subscriptionStreamId(subscriptionId)
  yield* runCommand([subId], (loaded) =>
    Either.map(decideSubscription({ _tag: "Extend", days, by: adminId, reason }, subStateOf(loaded.get(subId))), (events) => subEvents(subId, events)),
    adminMeta(adminId, reason))
  return (yield* (yield* SubscriptionQueries).find(subscriptionId))!
})

/** Ends a subscription now without refund: slot and service released, resources removed. */
export const expireSubscription = Effect.fn("AdminSubscriptions.expire")(function*(adminId: string, subscriptionId: string, reason: string) {
  const view = yield* anySubscription(subscriptionId)
  const now = new Date(yield* Clock.currentTimeMillis).toISOString()
  const subId = subscriptionStreamId(subscriptionId)
  const quotaId = quotaStreamId(view.planId)
  const guardId = serviceGuardStreamId(view.userId, view.serviceId)
  yield* runCommand([quotaId, subId, guardId], (loaded) =>
    Either.gen(function*() {
      const sub = subStateOf(loaded.get(subId))
      const expired = yield* decideSubscription({ _tag: "Expire", now, by: adminId, reason }, sub)
      // A suspended subscription holds no slot any more.
      const released = sub.status === "SUSPENDED" ? [] : yield* decideQuotaStream(loaded, quotaId, { _tag: "ReleaseSlot", subscriptionId })
      const guard = releaseService(subscriptionId, guardStateOf(loaded.get(guardId)))
      return [...released, ...subEvents(subId, expired), ...guardEvents(guardId, guard)]
    }), adminMeta(adminId, reason))
  const at = yield* locate(view)
  yield* (yield* Cluster).remove(at.namespace, at.name).pipe(Effect.catchAll(() => Effect.void))
  return (yield* (yield* SubscriptionQueries).find(subscriptionId))!
})
