import { randomBytes, randomInt, randomUUID } from "node:crypto"
import { Effect, Layer } from "effect"
import { IdGenerator, TransactionIds } from "../../application/ports/ids.ts"
import { provisionalTransactionId } from "../../application/shared/transactionNumbers.ts"

export const IdGeneratorCrypto = Layer.succeed(
  IdGenerator,
  IdGenerator.of({
    uuid: Effect.sync(() => randomUUID()),
    secret: Effect.sync(() => randomBytes(32).toString("base64url"))
  })
)

/**
 * Provisional TXMP ids, unique in this process (a random process tag, then a counter): the
 * event store numbers them from its sequence when it writes them (application/shared/transactionNumbers.ts).
 */
export const TransactionIdsProvisional = Layer.sync(TransactionIds, () => {
  const processTag = String(randomInt(1e9)).padStart(9, "0")
  let issued = 0
  return TransactionIds.of({ next: Effect.sync(() => provisionalTransactionId(`${processTag}${++issued}`)) })
})
