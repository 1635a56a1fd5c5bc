import { hkdfSync } from "node:crypto"
import { Layer, Option, Redacted } from "effect"
import { AccessTokensJose } from "../adapters/crypto/accessTokens.ts"
import { IdGeneratorCrypto, TransactionIdsProvisional } from "../adapters/crypto/ids.ts"
import { PasswordHasherScrypt } from "../adapters/crypto/passwordHasher.ts"
import { PgLive } from "../adapters/postgres/client.ts"
import { defaultGroupCommit, eventStorePostgres } from "../adapters/postgres/eventStore.ts"
import { LedgerSnapshotsPostgres } from "../adapters/postgres/ledgerSnapshot.ts"
import { PageHashWorkers } from "../adapters/threads/pageHashWorkers.ts"
import { IdempotencyStorePostgres } from "../adapters/postgres/idempotency.ts"
import { AuthThrottlePostgres } from "../adapters/postgres/authThrottle.ts"
import { CommonPasswordsZxcvbn } from "../adapters/crypto/commonPasswords.ts"
import { RefreshTokensPostgres } from "../adapters/postgres/refreshTokens.ts"
import { UsersPostgres } from "../adapters/postgres/users.ts"
import { WalletQueriesPostgres } from "../adapters/postgres/walletReadModel.ts"
import { InvoiceQueriesPostgres } from "../adapters/postgres/invoices.ts"
import { InvoicePdfKit } from "../adapters/pdf/invoicePdf.ts"
import { InvoiceSeller } from "../application/ports/invoices.ts"
import { PaymentGatewayMidtrans } from "../adapters/midtrans/gateway.ts"
import { AnalyticsPostgres } from "../adapters/postgres/analytics.ts"
import { CatalogPostgres } from "../adapters/postgres/catalog.ts"
import { CouponsPostgres } from "../adapters/postgres/coupons.ts"
import { SubscriptionQueriesPostgres } from "../adapters/postgres/subscriptionReadModel.ts"
import { InstanceOpsQueriesPostgres } from "../adapters/postgres/instanceOpsReadModel.ts"
import { LeaderLockPostgres, PaymentQueriesPostgres } from "../adapters/postgres/paymentReadModel.ts"
import { AuthPolicy } from "../application/accounts/useCases.ts"
import { PaymentPolicy } from "../application/payment/useCases.ts"
import type { DatabaseTimeouts } from "../adapters/postgres/client.ts"
import { clusterLayer, kubeConfigOf } from "./cluster.ts"
import { MailerSmtp } from "../adapters/mail/smtpMailer.ts"
import { NotificationsPostgres } from "../adapters/postgres/notifications.ts"
import { NotificationPolicy } from "../application/notification/useCases.ts"
import { MailDeliveryFailed, Mailer } from "../application/ports/notifications.ts"
import { Effect } from "effect"
import { RenewalPolicy } from "../application/renewals/useCases.ts"
import type { AppConfig } from "./config.ts"
import { readModels } from "./projections.ts"

/** Every Postgres adapter (event store with its read models, queries, users, locks) on one pool: what the server, the audit CLI and the integration tests share. */
export const postgresLayer = (url: string, poolSize: number, timeouts?: DatabaseTimeouts) => {
  const pg = PgLive(url, { max: poolSize, ...timeouts })
  return Layer.mergeAll(
    eventStorePostgres({ projections: readModels, groupCommit: defaultGroupCommit }),
    WalletQueriesPostgres,
    TransactionIdsProvisional,
    UsersPostgres,
    PaymentQueriesPostgres,
    LeaderLockPostgres,
    CatalogPostgres,
    SubscriptionQueriesPostgres,
    InstanceOpsQueriesPostgres,
    CouponsPostgres,
    AnalyticsPostgres,
    LedgerSnapshotsPostgres,
    // One thread re-hashes the audit's pages while the main thread checks: two cores, one left to Postgres' sending.
    PageHashWorkers(1),
    InvoiceQueriesPostgres,
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
    Option.match(url, {
      onNone: () => (simulator ? fallback : undefined),
      onSome: (u) => () => u.toString().replace(/\/$/, "")
    })
  const url = (u: Option.Option<URL>) => Option.getOrUndefined(Option.map(u, (x) => x.toString()))
  return Layer.merge(
    PaymentGatewayMidtrans({
      serverKey: setup.serverKey,
      clientKey: config.midtransClientKey,
      isProduction: config.midtransMode === "production" || Option.getOrElse(config.midtransIsProduction, () => false),
      coreBaseUrl: override(config.midtransApiBaseUrl, () => `${setup.selfUrl()}/dev/midtrans`),
      snapBaseUrl: override(config.midtransSnapBaseUrl, () => `${setup.selfUrl()}/dev/midtrans/snap/v1`),
      timeoutMs: config.midtransTimeoutMs,
      callbacks: {
        finish: url(config.midtransFinishUrl),
        unfinish: url(config.midtransUnfinishUrl),
        error: url(config.midtransErrorUrl)
      },
      expiryMinutes: Math.max(1, Math.round(config.topUpExpirySeconds / 60)),
      notificationUrl: url(config.midtransNotificationUrl)
    }),
    Layer.succeed(PaymentPolicy, {
      topUpExpirySeconds: config.topUpExpirySeconds,
      confirmWithStatusApi: config.midtransConfirmStatus
    })
  )
}

/** The server's full set of ports. */
export const appLayer = (url: string, config: AppConfig, jwtSecret: string, gateway: GatewaySetup) =>
  Layer.mergeAll(
    clusterLayer(config, kubeConfigOf(config, gateway.selfUrl)),
    gatewayLayer(config, gateway),
    RefreshTokensPostgres({
      // Derived from the JWT secret (its own purpose label): successors are unguessable without it.
      successorKey: Buffer.from(hkdfSync("sha256", jwtSecret, "", "minispod refresh-token successor", 32)).toString(
        "base64url"
      ),
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
    Layer.succeed(RenewalPolicy, { retentionDays: config.suspensionRetentionDays }),
    InvoicePdfKit,
    Layer.succeed(InvoiceSeller, {
      name: config.invoiceSellerName,
      address: config.invoiceSellerAddress,
      email: config.invoiceSellerEmail,
      taxId: config.invoiceSellerTaxId
    })
  ).pipe(
    Layer.provideMerge(
      postgresLayer(url, config.databasePoolSize, {
        connectTimeoutSeconds: config.databaseConnectTimeoutSeconds,
        statementTimeoutMs: config.databaseStatementTimeoutMs
      })
    )
  )

export const jwtSecretOf = (config: AppConfig, generate: () => string) =>
  Option.match(config.jwtSecret, {
    onNone: () => ({ secret: generate(), generated: true }),
    onSome: (s) => ({ secret: Redacted.value(s), generated: false })
  })

/**
 * Where email goes: SMTP_URL; else, while every external system is simulated, the development
 * mailbox (an in-process SMTP server, so the production nodemailer path runs); else nowhere
 * (emails wait in the outbox, in-app notifications still work). The one dev-surface decision.
 */
export const usesDevMailbox = (config: AppConfig): boolean =>
  Option.isNone(config.smtpUrl) && config.midtransMode === "simulator"

export interface MailSetup {
  /** The SMTP server to send to (the dev mailbox's URL when it is used); undefined: email off. */
  readonly smtpUrl: string | undefined
  /** This server's public URL, linked from the mails (known once it listens). */
  readonly appUrl: () => string
}

const MailerOff = Layer.succeed(Mailer, {
  send: () => Effect.fail(new MailDeliveryFailed({ reason: "no SMTP_URL configured" }))
})

/** Emails claimed per dispatcher pass. */
export const notificationBatchSize = 50

/** The notification outbox, its policy and the Mailer; needs Pg (from the app layer). */
export const notificationLayer = (config: AppConfig, mail: MailSetup) =>
  Layer.mergeAll(
    NotificationsPostgres,
    mail.smtpUrl === undefined
      ? MailerOff
      : MailerSmtp({ url: mail.smtpUrl, from: config.mailFrom, timeoutMs: config.smtpTimeoutMs }),
    Layer.succeed(NotificationPolicy, {
      retry: {
        maxAttempts: config.notifyMaxAttempts,
        baseDelayMs: config.notifyRetryBaseSeconds * 1000,
        maxDelayMs: 3_600_000
      },
      leaseMs: Math.max(60_000, 3 * config.smtpTimeoutMs),
      batchSize: notificationBatchSize,
      baseDomain: config.clusterBaseDomain,
      appUrl: mail.appUrl
    })
  )
