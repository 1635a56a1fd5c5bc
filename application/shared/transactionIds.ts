import { Effect } from "effect"
import { maxChargesPerPeriod } from "../../domain/subscription/index.ts"
import { TransactionIds } from "../ports/ids.ts"

/** Provisional ids for refunding every charge of a period; only those a refund uses take a number when written. */
export const periodRefundIds = Effect.flatMap(TransactionIds, (ids) =>
  Effect.all(Array.from({ length: maxChargesPerPeriod }, () => ids.next))
)
