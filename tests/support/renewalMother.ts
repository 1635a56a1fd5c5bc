import { emptyWallet, replayWallet, type WalletState } from "../../domain/ledger/index.ts"
import { emptyQuota, type QuotaState } from "../../domain/quota/index.ts"
import {
  noSubscription,
  type RenewalStates,
  replaySubscription,
  type SubscriptionEvent,
  type SubscriptionState
} from "../../domain/subscription/index.ts"

/** Object mother for renewal decisions: a subscription on a 50,000-rupiah BASIC plan. */
export const subscriptionId = "00000000-0000-4000-8000-000000000001"
export const price = 50_000
export const created = (
  periodStart = "2026-01-31T10:00:00.000Z",
  periodEnd = "2026-02-28T10:00:00.000Z",
  autoRenew = true
): SubscriptionEvent => ({
  _tag: "SubscriptionCreated",
  subscriptionId,
  userId: "u-1",
  serviceId: "svc-1",
  plan: { planId: "plan-basic", planType: "BASIC", monthlyPrice: price },
  charged: price,
  chargeTransactionId: "TXMP-1",
  periodStart,
  periodEnd,
  autoRenew,
  instanceName: "n8n-1"
})

export const subscriptionAfter = (...events: ReadonlyArray<SubscriptionEvent>): SubscriptionState =>
  replaySubscription(noSubscription, events)

export const walletWith = (balance: number): WalletState =>
  balance === 0
    ? emptyWallet
    : replayWallet(emptyWallet, [
        { _tag: "TopUpCredited", transactionId: "TXMP-9", amount: balance, reference: "topup:p" }
      ])

export const quotaHolding = (used = 1): QuotaState => ({ ...emptyQuota, used })

export const states = (subscription: SubscriptionState, balance: number, quota = quotaHolding()): RenewalStates => ({
  subscription,
  wallet: walletWith(balance),
  quota,
  guard: { holder: subscription.subscriptionId }
})
