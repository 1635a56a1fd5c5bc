import { Schema } from "effect"
import { TransferKind } from "../../../domain/ledger/index.ts"
import { PageQuery, trimmed, Uuid } from "../schemas.ts"

export const TransactionStatus = Schema.Literal("PENDING", "COMPLETED", "FAILED", "CANCELLED", "REFUNDED")

export const TransactionsQuery = Schema.Struct({
  ...PageQuery,
  type: Schema.optional(TransferKind),
  status: Schema.optional(TransactionStatus)
})

/** ± integer rupiah, never zero; the cap keeps a typo from minting billions. */
export const CreditAdjustmentBody = Schema.Struct({
  amount: Schema.Int.pipe(
    Schema.filter((n) => n !== 0 || "must not be zero"),
    Schema.greaterThanOrEqualTo(-1_000_000_000),
    Schema.lessThanOrEqualTo(1_000_000_000)
  ),
  reason: trimmed(3, 500)
})

export const AdminTransactionsQuery = Schema.Struct({ ...TransactionsQuery.fields, userId: Schema.optional(Uuid) })
