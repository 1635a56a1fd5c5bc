import { Context, type Effect } from "effect"
import type { PaymentMethod, PaymentStatus } from "../../domain/payment/index.ts"

export interface PaymentView {
  readonly orderId: string
  readonly userId: string
  readonly amount: number
  readonly paymentMethod: PaymentMethod
  readonly status: Exclude<PaymentStatus, "NEW">
  readonly gatewayStatus: string | null
  readonly snapToken: string | null
  readonly redirectUrl: string | null
  readonly reversedAmount: number
  /** What a reversal could not take from the wallet: an administrator must look. */
  readonly shortfall: number
  readonly expiresAt: string
  readonly createdAt: string
  readonly updatedAt: string
  readonly position: number
}

export interface PaymentQueriesService {
  readonly find: (orderId: string) => Effect.Effect<PaymentView | undefined>
  /** Every payment's read-model row, for the audit. */
  readonly all: Effect.Effect<ReadonlyArray<PaymentView>>
  /** Pending payments created before `olderThan`, oldest first. */
  readonly pending: (olderThan: Date, limit: number) => Effect.Effect<ReadonlyArray<PaymentView>>
}

export class PaymentQueries extends Context.Tag("app/PaymentQueries")<PaymentQueries, PaymentQueriesService>() {}

export interface LeaderLockService {
  /** Runs `effect` only if no other process holds the named lock; returns whether it ran. */
  readonly runIfLeader: <A, E, R>(name: string, effect: Effect.Effect<A, E, R>) => Effect.Effect<boolean, E, R>
}

export class LeaderLock extends Context.Tag("app/LeaderLock")<LeaderLock, LeaderLockService>() {}
