import { randomBytes, randomUUID } from "node:crypto"
import { Effect, Layer } from "effect"
import { IdGenerator } from "../../application/ports/ids.ts"

export const IdGeneratorCrypto = Layer.succeed(
  IdGenerator,
  IdGenerator.of({
    uuid: Effect.sync(() => randomUUID()),
    secret: Effect.sync(() => randomBytes(32).toString("base64url"))
  })
)
