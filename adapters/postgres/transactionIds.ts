import { Effect, Layer } from "effect"
import { TransactionIds } from "../../application/ports/ids.ts"
import { Pg } from "./client.ts"

const blockSize = 32

/**
 * TXMP-<n> from the Postgres sequence, fetched a block at a time: one round trip per 32 ids
 * instead of one per movement. Numbers stay unique across replicas; a process that stops
 * leaves a gap, and two replicas interleave (ids are names, never an order — positions are).
 */
export const TransactionIdsPostgres = Layer.effect(
  TransactionIds,
  Effect.map(Pg, (sql) => {
    const reserved: Array<number> = []
    let refill: Promise<void> | undefined
    const refillBlock = () =>
      (refill ??= sql<Array<{ n: number }>>`select nextval('transaction_number_seq') as n from generate_series(1, ${blockSize})`
        .then((rows) => {
          reserved.push(...rows.map((r) => r.n).sort((a, b) => a - b))
        })
        .finally(() => {
          refill = undefined
        }))
    const take = async (): Promise<string> => {
      while (reserved.length === 0) await refillBlock()
      return `TXMP-${reserved.shift()!}`
    }
    return TransactionIds.of({ next: Effect.promise(take) })
  })
)
