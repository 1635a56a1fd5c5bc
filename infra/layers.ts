import { Layer, Option, Redacted } from "effect"
import { AccessTokensJose } from "../adapters/crypto/accessTokens.ts"
import { IdGeneratorCrypto } from "../adapters/crypto/ids.ts"
import { PasswordHasherScrypt } from "../adapters/crypto/passwordHasher.ts"
import { PgLive } from "../adapters/postgres/client.ts"
import { EventStorePostgres } from "../adapters/postgres/eventStore.ts"
import { IdempotencyStorePostgres } from "../adapters/postgres/idempotency.ts"
import { LoginThrottlePostgres } from "../adapters/postgres/loginThrottle.ts"
import { RefreshTokensPostgres } from "../adapters/postgres/refreshTokens.ts"
import { TransactionIdsPostgres } from "../adapters/postgres/transactionIds.ts"
import { UsersPostgres } from "../adapters/postgres/users.ts"
import { WalletQueriesPostgres } from "../adapters/postgres/walletReadModel.ts"
import { AuthPolicy } from "../application/accounts/useCases.ts"
import type { AppConfig } from "./config.ts"

/** Everything the ledger and the audit need, on Postgres. */
export const ledgerLayer = (url: string, poolSize: number) => {
  const pg = PgLive(url, { max: poolSize })
  return Layer.mergeAll(
    EventStorePostgres,
    WalletQueriesPostgres,
    TransactionIdsPostgres,
    UsersPostgres,
    // Use-case spans (Effect.fn) cost ~7 % CPU per command and have no exporter yet.
    Layer.setTracerEnabled(false)
  ).pipe(Layer.provideMerge(pg), Layer.provideMerge(IdGeneratorCrypto))
}

/** The server's full set of ports. */
export const appLayer = (url: string, config: AppConfig, jwtSecret: string) =>
  Layer.mergeAll(
    RefreshTokensPostgres,
    IdempotencyStorePostgres,
    LoginThrottlePostgres({
      windowSeconds: config.loginWindowSeconds,
      perAccount: config.loginMaxPerAccount,
      perAddress: config.loginMaxPerAddress
    }),
    PasswordHasherScrypt,
    AccessTokensJose({ secret: jwtSecret, ttlSeconds: config.accessTokenTtlSeconds }),
    Layer.succeed(AuthPolicy, { refreshTokenTtlSeconds: config.refreshTokenTtlSeconds })
  ).pipe(Layer.provideMerge(ledgerLayer(url, config.databasePoolSize)))

export const jwtSecretOf = (config: AppConfig, generate: () => string) =>
  Option.match(config.jwtSecret, {
    onNone: () => ({ secret: generate(), generated: true }),
    onSome: (s) => ({ secret: Redacted.value(s), generated: false })
  })
