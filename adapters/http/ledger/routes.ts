import * as Renewals from "../../../application/renewals/useCases.ts"
import { Effect } from "effect"
import * as Ledger from "../../../application/ledger/useCases.ts"
import { IdGenerator } from "../../../application/ports/ids.ts"
import type { LedgerEntry } from "../../../application/ports/walletQueries.ts"
import { ok, route } from "../route.ts"
import { CreditAdjustment, LedgerEntry as LedgerEntryData, pageOf, Paginated, WalletInfo } from "../responses.ts"
import { TransactionIdParams, UserIdParams } from "../schemas.ts"
import { CreditAdjustmentBody, TransactionsQuery } from "./schemas.ts"

const entryView = (e: LedgerEntry) => ({
  id: e.transactionId,
  transactionId: e.transactionId,
  type: e.type,
  status: e.status,
  direction: e.direction,
  amount: e.amount,
  balanceBefore: e.balanceBefore,
  balanceAfter: e.balanceAfter,
  description: e.description,
  cause: { type: e.causeType, id: e.causeId },
  fromAccount: e.fromAccount,
  toAccount: e.toAccount,
  createdAt: e.createdAt
})

export const walletRoutes = [
  route({
    method: "get",
    path: "/api/wallet/info",
    summary:
      "Balance, total top-up and total spent, derived from the ledger; runway: monthly cost of auto-renewing subscriptions, renewals the balance covers, date the first would fail",
    tag: "wallet",
    access: "user",
    response: WalletInfo,
    handle: ({ principal }) =>
      Effect.map(Renewals.walletInfoWithRunway(principal.userId), (s) =>
        ok("Wallet info", {
          balance: s.balance,
          totalTopUp: s.totalTopUp,
          totalSpent: s.totalSpent,
          currency: "IDR",
          runway: s.runway,
          creditBalance: s.balance
        })
      )
  }),
  route({
    method: "get",
    path: "/api/wallet/transactions",
    summary: "The caller's ledger entries, newest first",
    tag: "wallet",
    access: "user",
    response: Paginated(LedgerEntryData),
    query: TransactionsQuery,
    handle: ({ principal, query }) =>
      Effect.map(Ledger.listWalletTransactions(principal.userId, query), (p) =>
        ok("Transactions", pageOf(p.items.map(entryView), p.total, query.page, query.limit))
      )
  }),
  route({
    method: "get",
    path: "/api/wallet/transactions/:id",
    summary: "One of the caller's ledger entries",
    tag: "wallet",
    access: "user",
    response: LedgerEntryData,
    params: TransactionIdParams,
    handle: ({ principal, params }) =>
      Effect.map(Ledger.getWalletTransaction(principal.userId, params.id), (e) => ok("Transaction", entryView(e)))
  }),
  route({
    method: "post",
    path: "/api/admin/users/:id/credit-adjustment",
    summary: "Credit (+) or debit (−) a user's wallet, with a reason; never below 0",
    tag: "admin",
    access: "admin",
    response: CreditAdjustment,
    params: UserIdParams,
    body: CreditAdjustmentBody,
    idempotent: true,
    handle: ({ principal, params, body, idempotencyKey, requestId }) =>
      Effect.gen(function* () {
        // With a key, the ledger itself also refuses a second application of the same request.
        const reference =
          idempotencyKey === undefined
            ? `once:${yield* (yield* IdGenerator).uuid}`
            : `key:${principal.userId}:${idempotencyKey}`
        const movement = yield* Ledger.adjustCredit(
          {
            userId: params.id,
            amount: body.amount,
            reason: body.reason,
            adminId: principal.userId,
            reference
          },
          { actor: principal.userId, correlationId: requestId, ...(idempotencyKey ? { idempotencyKey } : {}) }
        )
        return ok(
          "Credit adjusted",
          {
            transactionId: movement.transactionId,
            userId: params.id,
            amount: body.amount,
            balance: movement.balance,
            applied: movement.applied
          },
          201
        )
      })
  })
]
