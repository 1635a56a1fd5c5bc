import { Context, type Effect } from "effect"
import type { TransferKind } from "../../domain/ledger/index.ts"

export interface WalletSummary {
  readonly userId: string
  readonly balance: number
  readonly totalTopUp: number
  readonly totalSpent: number
}

/** One row of a user's transaction list (the read model of wallet events). */
export interface LedgerEntry {
  readonly transactionId: string
  readonly userId: string
  readonly type: TransferKind
  /** COMPLETED for ledger movements; top-ups not (yet) settled show PENDING, FAILED or CANCELLED. */
  readonly status: "COMPLETED" | "PENDING" | "FAILED" | "CANCELLED"
  /** From the wallet's point of view. */
  readonly direction: "CREDIT" | "DEBIT"
  readonly amount: number
  /** null for a top-up that has not moved money. */
  readonly balanceBefore: number | null
  readonly balanceAfter: number | null
  readonly fromAccount: string
  readonly toAccount: string
  readonly causeType: string
  readonly causeId: string
  readonly description: string
  readonly position: number
  readonly createdAt: string
}

export interface TransactionFilter {
  readonly type?: TransferKind | undefined
  readonly status?: string | undefined
  readonly page: number
  readonly limit: number
}

export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly total: number
}

export interface WalletQueriesService {
  readonly summary: (userId: string) => Effect.Effect<WalletSummary>
  /** Newest first. */
  readonly transactions: (userId: string, filter: TransactionFilter) => Effect.Effect<Page<LedgerEntry>>
  readonly transaction: (userId: string, transactionId: string) => Effect.Effect<LedgerEntry | undefined>
  /** A subscription's charges (first months, upgrades) and the refunds of those charges, newest first. */
  readonly subscriptionTransactions: (
    userId: string,
    subscriptionId: string
  ) => Effect.Effect<ReadonlyArray<LedgerEntry>>
  /** Every user's ledger entries (admin), newest first. */
  readonly allTransactions: (
    filter: TransactionFilter & { readonly userId?: string | undefined }
  ) => Effect.Effect<Page<LedgerEntry>>
  /** Every wallet's projection row, for the audit. */
  readonly allSummaries: Effect.Effect<ReadonlyArray<WalletSummary>>
  /** Balance of every account as summed from the transaction list, for the audit. */
  readonly accountTotals: Effect.Effect<ReadonlyMap<string, number>>
}

export class WalletQueries extends Context.Tag("app/WalletQueries")<WalletQueries, WalletQueriesService>() {}
