import { hkdfSync } from "node:crypto"
import { Layer, Option, Redacted } from "effect"
import { AccessTokensJose } from "../adapters/crypto/accessTokens.ts"
import { IdGeneratorCrypto } from "../adapters/crypto/ids.ts"
import { PasswordHasherScrypt } from "../adapters/crypto/passwordHasher.ts"
import { PgLive } from "../adapters/postgres/client.ts"
import { EventStorePostgres } from "../adapters/postgres/eventStore.ts"
import { LedgerSnapshotsPostgres } from "../adapters/postgres/ledgerSnapshot.ts"
import { IdempotencyStorePostgres } from "../adapters/postgres/idempotency.ts"
import { AuthThrottlePostgres } from "../adapters/postgres/authThrottle.ts"
import { CommonPasswordsZxcvbn } from "../adapters/crypto/commonPasswords.ts"
import { RefreshTokensPostgres } from "../adapters/postgres/refreshTokens.ts"
import { TransactionIdsPostgres } from "../adapters/postgres/transactionIds.ts"
import { UsersPostgres } from "../adapters/postgres/users.ts"
import { WalletQueriesPostgres } from "../adapters/postgres/walletReadModel.ts"
import { PaymentGatewayMidtrans } from "../adapters/midtrans/gateway.ts"
import { AnalyticsPostgres } from "../adapters/postgres/analytics.ts"
import { CatalogPostgres } from "../adapters/postgres/catalog.ts"
import { CouponsPostgres } from "../adapters/postgres/coupons.ts"
import { SubscriptionQueriesPostgres } from "../adapters/postgres/subscriptionReadModel.ts"
import { LeaderLockPostgres, PaymentQueriesPostgres } from "../adapters/postgres/paymentReadModel.ts"
import { AuthPolicy } from "../application/accounts/useCases.ts"
import { PaymentPolicy } from "../application/payments/useCases.ts"
import type { DatabaseTimeouts } from "../adapters/postgres/client.ts"
import { clusterLayer, kubeConfigOf } from "./cluster.ts"
import { RenewalPolicy } from "../application/renewals/useCases.ts"
import type { AppConfig } from "./config.ts"

/** Everything the ledger and the audit need, on Postgres. */
export const ledgerLayer = (url: string, poolSize: number, timeouts?: DatabaseTimeouts) => {
  const pg = PgLive(url, { max: poolSize, ...timeouts })
  return Layer.mergeAll(
    EventStorePostgres,
    WalletQueriesPostgres,
    TransactionIdsPostgres,
    UsersPostgres,
    PaymentQueriesPostgres,
    LeaderLockPostgres,
    CatalogPostgres,
    SubscriptionQueriesPostgres,
    CouponsPostgres,
    AnalyticsPostgres,
    LedgerSnapshotsPostgres,
    // Use-case spans (Effect.fn) cost ~7 % CPU per command and have no exporter yet.
    Layer.setTracerEnabled(false)
  ).pipe(Layer.provideMerge(pg), Layer.provideMerge(IdGeneratorCrypto))
}

export interface GatewaySetup {
  readonly serverKey: string
  /** This server's base URL, for the simulator's endpoints (known once it listens). */
  readonly selfUrl: () => string
}

/** Midtrans through midtrans-client: the real API, or the local simulator via base-URL overrides. */
export const gatewayLayer = (config: AppConfig, setup: GatewaySetup) => {
  const simulator = config.midtransMode === "simulator"
  const override = (url: Option.Option<URL>, fallback: () => string) =>
    Option.match(url, { onNone: () => (simulator ? fallback : undefined), onSome: (u) => () => u.toString().replace(/\/$/, "") })
  const url = (u: Option.Option<URL>) => Option.getOrUndefined(Option.map(u, (x) => x.toString()))
  return Layer.merge(
    PaymentGatewayMidtrans({
      serverKey: setup.serverKey,
      clientKey: config.midtransClientKey,
      isProduction: config.midtransMode === "production" || Option.getOrElse(config.midtransIsProduction, () => false),
      coreBaseUrl: override(config.midtransApiBaseUrl, () => `${setup.selfUrl()}/dev/midtrans`),
      snapBaseUrl: override(config.midtransSnapBaseUrl, () => `${setup.selfUrl()}/dev/midtrans/snap/v1`),
      timeoutMs: config.midtransTimeoutMs,
      callbacks: { finish: url(config.midtransFinishUrl), unfinish: url(config.midtransUnfinishUrl), error: url(config.midtransErrorUrl) },
      expiryMinutes: Math.max(1, Math.round(config.topUpExpirySeconds / 60))
    }),
    Layer.succeed(PaymentPolicy, { topUpExpirySeconds: config.topUpExpirySeconds, confirmWithStatusApi: config.midtransConfirmStatus })
  )
}

/** The server's full set of ports. */
export const appLayer = (url: string, config: AppConfig, jwtSecret: string, gateway: GatewaySetup) =>
  Layer.mergeAll(
    clusterLayer(config, kubeConfigOf(config, gateway.selfUrl)),
    gatewayLayer(config, gateway),
    RefreshTokensPostgres({
      // Derived from the JWT secret (its own purpose label): successors are unguessable without it.
      successorKey: Buffer.from(hkdfSync("sha256", jwtSecret, "", "minispod refresh-token successor", 32)).toString("base64url"),
      graceSeconds: config.refreshGraceSeconds,
      sessionCacheSeconds: config.sessionCacheSeconds
    }),
    IdempotencyStorePostgres,
    AuthThrottlePostgres({ windowSeconds: config.loginWindowSeconds, maxBlockSeconds: config.loginWindowSeconds }),
    PasswordHasherScrypt({ concurrency: config.passwordHashConcurrency, waiting: config.passwordHashQueue }),
    CommonPasswordsZxcvbn,
    AccessTokensJose({ secret: jwtSecret, ttlSeconds: config.accessTokenTtlSeconds }),
    Layer.succeed(AuthPolicy, {
      refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
      loginFailuresPerAccountAddress: config.loginMaxPerAccount,
      failuresPerAddress: config.loginMaxPerAddress,
      registrationsPerAddress: config.registerMaxPerAddress,
      passwordChangeFailures: config.passwordChangeMaxFailures
    }),
    Layer.succeed(RenewalPolicy, { retentionDays: config.suspensionRetentionDays })
  ).pipe(Layer.provideMerge(ledgerLayer(url, config.databasePoolSize, {
    connectTimeoutSeconds: config.databaseConnectTimeoutSeconds,
    statementTimeoutMs: config.databaseStatementTimeoutMs
  })))

export const jwtSecretOf = (config: AppConfig, generate: () => string) =>
  Option.match(config.jwtSecret, {
    onNone: () => ({ secret: generate(), generated: true }),
    onSome: (s) => ({ secret: Redacted.value(s), generated: false })
  })
