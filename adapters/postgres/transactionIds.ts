import { Effect, Layer } from "effect"
import { TransactionIds } from "../../application/ports/ids.ts"
import { Pg } from "./client.ts"

export const TransactionIdsPostgres = Layer.effect(
  TransactionIds,
  Effect.map(Pg, (sql) =>
    TransactionIds.of({
      next: Effect.promise(async () => {
        const [row] = await sql<Array<{ n: number }>>`select nextval('transaction_number_seq') as n`
        return `TXMP-${row!.n}`
      })
    }))
)
