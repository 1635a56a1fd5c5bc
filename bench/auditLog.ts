import { Effect, ManagedRuntime, Schema } from "effect"
import { EventStore, type StreamAppend } from "../application/ports/eventStore.ts"
import { walletStreamId, WalletEvent } from "../domain/ledger/index.ts"
import { PaymentEvent, paymentStreamId } from "../domain/payment/index.ts"
import { QuotaEvent, quotaStreamId } from "../domain/quota/index.ts"
import { SubscriptionEvent, subscriptionStreamId } from "../domain/subscription/index.ts"
import { postgresLayer } from "../infra/layers.ts"

const wallet = Schema.encodeSync(WalletEvent)
const payment = Schema.encodeSync(PaymentEvent)
const subscription = Schema.encodeSync(SubscriptionEvent)
const quota = Schema.encodeSync(QuotaEvent)

/** The seeded plans (migrations/005_catalog.sql) and their capacity: one subscription per slot. */
const seededPlans = [
  { n: 1, service: 1, type: "FREE", price: 0, slots: 20 },
  { n: 2, service: 1, type: "BASIC", price: 50_000, slots: 50 },
  { n: 3, service: 1, type: "PRO", price: 150_000, slots: 20 },
  { n: 4, service: 2, type: "BASIC", price: 75_000, slots: 30 },
  { n: 5, service: 2, type: "PRO", price: 200_000, slots: 15 },
  { n: 6, service: 3, type: "BASIC", price: 60_000, slots: 40 },
  { n: 7, service: 3, type: "PREMIUM", price: 250_000, slots: 10 },
  { n: 8, service: 4, type: "BASIC", price: 80_000, slots: 30 },
  { n: 9, service: 4, type: "PRO", price: 300_000, slots: 10 }
] as const
const seeded = (prefix: string, n: number) => `${prefix}000000-0000-4000-8000-${String(n).padStart(12, "0")}`

export const eventsPerUser = 100
const usersPerAppend = 50

/**
 * Writes a ledger of about `target` events through the production event store (hashes and inline
 * projections included): per user 10 settled top-ups (3 payment events + 1 wallet credit each),
 * 50 charges and 10 refunds; plus one running subscription per seeded quota slot.
 */
export const buildAuditLog = async (url: string, target: number, progress: (written: number) => void) => {
  const runtime = ManagedRuntime.make(postgresLayer(url, 4))
  const users = Math.max(1, Math.round(target / eventsPerUser))
  let tx = 100
  const userAppends = (i: number): Array<StreamAppend> => {
    const userId = `aa000000-0000-4000-8000-${String(i).padStart(12, "0")}`
    const walletEvents: Array<unknown> = []
    const appends: Array<StreamAppend> = []
    for (let k = 0; k < 10; k++) {
      const orderId = `TXMP-${++tx}`
      const credit = `TXMP-${++tx}`
      appends.push({
        streamId: paymentStreamId(orderId),
        expectedVersion: 0,
        events: [
          {
            _tag: "TopUpRequested",
            orderId,
            userId,
            amount: 1_000_000,
            paymentMethod: "QRIS",
            expiresAt: "2026-11-23T00:00:00.000Z"
          },
          {
            _tag: "SnapTransactionCreated",
            orderId,
            snapToken: `snap-${orderId}`,
            redirectUrl: `https://pay.example/${orderId}`
          },
          { _tag: "PaymentSettled", orderId, gatewayStatus: "settlement", creditTransactionId: credit }
        ].map((e) => ({ type: e._tag, data: payment(e as never) }))
      })
      walletEvents.push({
        _tag: "TopUpCredited",
        transactionId: credit,
        amount: 1_000_000,
        reference: `topup:${orderId}`
      })
    }
    const charges: Array<string> = []
    for (let k = 0; k < 50; k++) {
      const id = `TXMP-${++tx}`
      charges.push(id)
      walletEvents.push({
        _tag: "WalletCharged",
        transactionId: id,
        amount: 10_000,
        reference: `charge:${userId}:${k}`,
        cause: { _tag: "SubscriptionPeriod", subscriptionId: `sub-${i}-${k}`, periodStart: "2026-11-01T00:00:00.000Z" },
        description: "bench period"
      })
    }
    for (let k = 0; k < 10; k++) {
      walletEvents.push({
        _tag: "ChargeRefunded",
        transactionId: `TXMP-${++tx}`,
        amount: 5_000,
        reference: `refund:${charges[k]}`,
        chargeTransactionId: charges[k],
        reason: "bench refund"
      })
    }
    appends.push({
      streamId: walletStreamId(userId),
      expectedVersion: 0,
      events: walletEvents.map((e) => ({ type: (e as { _tag: string })._tag, data: wallet(e as never) }))
    })
    return appends
  }
  const append = (appends: ReadonlyArray<StreamAppend>) =>
    runtime.runPromise(Effect.flatMap(EventStore, (store) => store.append(appends, { actor: "bench" }, new Date())))

  let written = 0
  const batches = Array.from({ length: Math.ceil(users / usersPerAppend) }, (_, b) => b)
  // Two writers: Postgres and Node share the two cores.
  const writer = async () => {
    for (let b = batches.shift(); b !== undefined; b = batches.shift()) {
      const appends = Array.from({ length: Math.min(usersPerAppend, users - b * usersPerAppend) }, (_, k) =>
        userAppends(b * usersPerAppend + k)
      ).flat()
      await append(appends)
      written += appends.reduce((n, a) => n + a.events.length, 0)
      progress(written)
    }
  }
  await Promise.all([writer(), writer()])

  let n = 0
  for (const plan of seededPlans) {
    const planId = seeded("90", plan.n)
    const appends: Array<StreamAppend> = []
    const taken: Array<unknown> = []
    for (let s = 0; s < plan.slots; s++) {
      const id = `bb000000-0000-4000-8000-${String(++n).padStart(12, "0")}`
      appends.push({
        streamId: subscriptionStreamId(id),
        expectedVersion: 0,
        events: [
          {
            _tag: "SubscriptionCreated",
            subscriptionId: id,
            userId: `aa000000-0000-4000-8000-${String(n % users).padStart(12, "0")}`,
            serviceId: seeded("50", plan.service),
            plan: { planId, planType: plan.type, monthlyPrice: plan.price },
            charged: plan.price,
            chargeTransactionId: null,
            periodStart: "2026-11-01T00:00:00.000Z",
            periodEnd: "2026-12-01T00:00:00.000Z",
            autoRenew: true,
            instanceName: `bench-${n}`
          },
          { _tag: "InstanceRunning", at: "2026-11-01T00:01:00.000Z" }
        ].map((e) => ({ type: e._tag, data: subscription(e as never) }))
      })
      taken.push({ _tag: "QuotaSlotTaken", subscriptionId: id })
    }
    appends.push({
      streamId: quotaStreamId(planId),
      expectedVersion: 0,
      events: taken.map((e) => ({ type: "QuotaSlotTaken", data: quota(e as never) }))
    })
    await append(appends)
    written += appends.reduce((k, a) => k + a.events.length, 0)
  }
  await runtime.dispose()
  return { users, events: written }
}
