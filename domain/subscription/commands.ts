import type { PlanTerms } from "./events.ts"
import type { ChargeHeld } from "./state.ts"

export type SubscriptionCommand =
  | {
      readonly _tag: "Subscribe"
      readonly subscriptionId: string
      readonly userId: string
      readonly serviceId: string
      readonly plan: PlanTerms
      readonly charged: number
      readonly chargeTransactionId: string | null
      readonly now: string
      readonly autoRenew: boolean
      readonly instanceName: string
      /** A FREE_SERVICE coupon's months beyond the first period. */
      readonly freeMonths?: { readonly couponCode: string; readonly months: number } | undefined
    }
  | {
      readonly _tag: "Upgrade"
      readonly upgradeId: string
      readonly to: PlanTerms
      readonly now: string
      readonly chargeTransactionId: string
      /** An administrator's bonus upgrade: no charge. */
      readonly bonus: boolean
    }
  | { readonly _tag: "SetAutoRenew"; readonly enabled: boolean }
  | { readonly _tag: "MarkRunning"; readonly now: string }
  | {
      readonly _tag: "Reconfigure"
      readonly now: string
      readonly by: string
      readonly displayName: string | null
      readonly envKeys: ReadonlyArray<string>
    }
  | { readonly _tag: "RetryProvisioning"; readonly now: string; readonly chargeTransactionId: string }
  | { readonly _tag: "Extend"; readonly days: number; readonly by: string; readonly reason: string }
  | { readonly _tag: "Expire"; readonly now: string; readonly by: string; readonly reason: string }
  | { readonly _tag: "FailProvisioning"; readonly now: string; readonly reason: string }
  | {
      readonly _tag: "Transition"
      readonly now: string
      readonly to: "STOPPING" | "STOPPED" | "STARTING" | "RESTARTING"
      readonly by: string
    }
  | {
      readonly _tag: "Cancel"
      readonly now: string
      readonly by: string
      readonly reason: string
      readonly refund: "prorated" | "none" | "full"
      /** The period's charges with what is still refundable of each (earlier refunds deducted). */
      readonly refundable: ReadonlyArray<ChargeHeld>
    }
