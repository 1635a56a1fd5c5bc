import { Config, ConfigError, Effect, Either, Option, Redacted } from "effect"
import { existsSync } from "node:fs"
import cron from "node-cron"
import { productionRefusals } from "./productionSafety.ts"
import { tokenLifetime } from "./seedDurations.ts"

const port = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.withDefault(fallback),
    Config.validate({ message: "must be a port number between 0 and 65535", validation: (n) => n >= 0 && n <= 65535 })
  )

const positive = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.withDefault(fallback),
    Config.validate({ message: "must be a positive integer", validation: (n) => n > 0 })
  )

/** A DNS-1123 name (ingress class, namespace, issuer, storage class, secret). */
const dnsName = (name: string, fallback?: string) => {
  const value = fallback === undefined ? Config.string(name) : Config.string(name).pipe(Config.withDefault(fallback))
  return value.pipe(
    Config.validate({
      message: "must be a DNS-1123 name: lowercase letters, digits, dashes and dots",
      validation: (v) => /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(v)
    })
  )
}

/** A line printed on every invoice: not blank, one line, short enough for the page. */
const sellerDetail = (name: string, fallback: string) =>
  Config.string(name).pipe(
    Config.withDefault(fallback),
    Config.map((v) => v.trim()),
    Config.validate({
      message: "must be one line of 1 to 200 characters",
      validation: (v) => v.length > 0 && v.length <= 200 && !/[\r\n]/.test(v)
    })
  )

const isOrigin = (origin: string) => {
  if (origin === "*") return true
  try {
    return new URL(origin).origin === origin
  } catch {
    return false
  }
}

const settings = {
  port: port("PORT", 3000),
  host: Config.string("HOST").pipe(Config.withDefault("127.0.0.1")),
  databaseUrl: Config.option(Config.redacted("DATABASE_URL")).pipe(
    // An empty DATABASE_URL= means unset: the embedded database.
    Config.map((url) => Option.filter(url, (u) => Redacted.value(u).length > 0)),
    Config.validate({
      message: "must be a postgres:// or postgresql:// URL",
      validation: (url) => Option.isNone(url) || /^postgres(ql)?:\/\//.test(Redacted.value(url.value))
    })
  ),
  databasePoolSize: positive("DATABASE_POOL_SIZE", 16),
  embeddedDataDir: Config.string("EMBEDDED_PG_DATA_DIR").pipe(Config.withDefault(".data/postgres")),
  embeddedPort: port("EMBEDDED_PG_PORT", 54329),
  jwtSecret: Config.option(Config.redacted("JWT_SECRET")).pipe(
    Config.validate({
      message: "must be at least 32 characters",
      validation: (s) => Option.isNone(s) || Redacted.value(s.value).length >= 32
    })
  ),
  accessTokenTtlSeconds: tokenLifetime("ACCESS_TOKEN_TTL_SECONDS", "JWT_EXPIRES_IN", 900),
  refreshTokenTtlSeconds: tokenLifetime("REFRESH_TOKEN_TTL_SECONDS", "JWT_REFRESH_EXPIRES_IN", 30 * 24 * 3600),
  adminEmail: Config.option(Config.string("ADMIN_EMAIL")),
  adminPassword: Config.option(Config.redacted("ADMIN_PASSWORD")).pipe(
    Config.validate({
      message: "must be at least 8 characters",
      validation: (s) => Option.isNone(s) || Redacted.value(s.value).length >= 8
    })
  ),
  loginWindowSeconds: positive("LOGIN_RATE_WINDOW_SECONDS", 900),
  loginMaxPerAccount: positive("LOGIN_RATE_MAX_PER_ACCOUNT", 10),
  loginMaxPerAddress: positive("LOGIN_RATE_MAX_PER_ADDRESS", 100),
  bodyLimitBytes: positive("BODY_LIMIT_BYTES", 100 * 1024),
  logLevel: Config.literal("debug", "info", "warning", "error")("LOG_LEVEL").pipe(Config.withDefault("info" as const)),
  trustProxy: Config.boolean("TRUST_PROXY").pipe(Config.withDefault(false)),
  checkResponses: Config.boolean("CHECK_RESPONSES").pipe(Config.withDefault(false)),
  corsOrigins: Config.string("CORS_ORIGINS").pipe(
    Config.withDefault(""),
    Config.map((list) =>
      list
        .split(",")
        .map((o) => o.trim())
        .filter((o) => o.length > 0)
    ),
    Config.validate({
      message: "must be comma-separated origins like https://app.example.com (scheme, host, port; no path) or *",
      validation: (origins) => origins.every(isOrigin)
    })
  ),
  publicBaseUrl: Config.option(Config.url("PUBLIC_BASE_URL")),
  midtransMode: Config.literal(
    "simulator",
    "sandbox",
    "production"
  )("MIDTRANS_MODE").pipe(Config.withDefault("simulator" as const)),
  midtransServerKey: Config.option(Config.redacted("MIDTRANS_SERVER_KEY")),
  midtransClientKey: Config.string("MIDTRANS_CLIENT_KEY").pipe(Config.withDefault("")),
  midtransIsProduction: Config.option(Config.boolean("MIDTRANS_IS_PRODUCTION")),
  midtransApiBaseUrl: Config.option(Config.url("MIDTRANS_API_BASE_URL")),
  midtransSnapBaseUrl: Config.option(Config.url("MIDTRANS_SNAP_BASE_URL")),
  midtransFinishUrl: Config.option(Config.url("MIDTRANS_FINISH_URL")),
  midtransUnfinishUrl: Config.option(Config.url("MIDTRANS_UNFINISH_URL")),
  midtransErrorUrl: Config.option(Config.url("MIDTRANS_ERROR_URL")),
  midtransNotificationUrl: Config.option(Config.url("MIDTRANS_NOTIFICATION_URL")),
  midtransTimeoutMs: positive("MIDTRANS_TIMEOUT_MS", 10_000),
  midtransConfirmStatus: Config.boolean("MIDTRANS_CONFIRM_STATUS").pipe(Config.withDefault(true)),
  topUpExpirySeconds: positive("TOPUP_EXPIRY_SECONDS", 24 * 3600),
  reconcileCron: Config.string("PAYMENT_RECONCILE_CRON").pipe(Config.withDefault("* * * * *")),
  reconcileAfterSeconds: positive("PAYMENT_RECONCILE_AFTER_SECONDS", 300),
  clusterBaseDomain: Config.string("CLUSTER_BASE_DOMAIN").pipe(
    Config.withDefault("apps.minispod.local"),
    Config.validate({
      message: "must be a DNS domain such as apps.example.com",
      validation: (d) => /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(d) && d.length <= 200
    })
  ),
  simulatedReadyMs: Config.integer("SIM_CLUSTER_READY_MS").pipe(
    Config.withDefault(1_500),
    Config.validate({ message: "must be ≥ 0", validation: (n) => n >= 0 })
  ),
  provisioningTimeoutSeconds: positive("PROVISIONING_TIMEOUT_SECONDS", 300),
  provisioningPollMs: positive("PROVISIONING_POLL_MS", 1_000),
  nodeEnv: Config.string("NODE_ENV").pipe(Config.withDefault("")),
  minispodEnv: Config.string("MINISPOD_ENV").pipe(Config.withDefault("")),
  registerMaxPerAddress: positive("REGISTER_RATE_MAX_PER_ADDRESS", 100),
  passwordChangeMaxFailures: positive("PASSWORD_CHANGE_MAX_FAILURES", 5),
  passwordHashConcurrency: positive("PASSWORD_HASH_CONCURRENCY", 1),
  passwordHashQueue: positive("PASSWORD_HASH_QUEUE", 128),
  sessionCacheSeconds: Config.integer("SESSION_CHECK_CACHE_SECONDS").pipe(
    Config.withDefault(5),
    Config.validate({ message: "must be ≥ 0", validation: (n) => n >= 0 })
  ),
  refreshGraceSeconds: Config.integer("REFRESH_GRACE_SECONDS").pipe(
    Config.withDefault(5),
    Config.validate({ message: "must be between 0 and 60", validation: (n) => n >= 0 && n <= 60 })
  ),
  metricsPort: Config.option(
    Config.integer("METRICS_PORT").pipe(
      Config.validate({ message: "must be a port number between 1 and 65535", validation: (n) => n >= 1 && n <= 65535 })
    )
  ),
  metricsToken: Config.option(Config.redacted("METRICS_TOKEN")).pipe(
    Config.validate({
      message: "must be at least 16 characters",
      validation: (s) => Option.isNone(s) || Redacted.value(s.value).length >= 16
    })
  ),
  databaseConnectTimeoutSeconds: positive("DATABASE_CONNECT_TIMEOUT_SECONDS", 2),
  databaseStatementTimeoutMs: positive("DATABASE_STATEMENT_TIMEOUT_MS", 15_000),
  requestTimeoutMs: positive("REQUEST_TIMEOUT_MS", 20_000),
  logStreamsPerUser: positive("LOG_STREAMS_PER_USER", 5),
  logStreamRecheckSeconds: positive("LOG_STREAM_RECHECK_SECONDS", 5),
  logStreamPingSeconds: positive("LOG_STREAM_PING_SECONDS", 30),
  logStreamBufferBytes: positive("LOG_STREAM_BUFFER_BYTES", 1_048_576),
  smtpUrl: Config.option(Config.redacted("SMTP_URL")).pipe(
    Config.map((url) => Option.filter(url, (u) => Redacted.value(u).length > 0)),
    Config.validate({
      message: "must be an smtp:// or smtps:// URL",
      validation: (url) => Option.isNone(url) || /^smtps?:\/\/[^\s]+$/.test(Redacted.value(url.value))
    })
  ),
  mailFrom: Config.string("MAIL_FROM").pipe(Config.withDefault("MinisPod <no-reply@minispod.local>")),
  invoiceSellerName: sellerDetail("INVOICE_SELLER_NAME", "MinisPod"),
  invoiceSellerAddress: sellerDetail("INVOICE_SELLER_ADDRESS", "Jakarta, Indonesia"),
  invoiceSellerEmail: sellerDetail("INVOICE_SELLER_EMAIL", "billing@minispod.local"),
  invoiceSellerTaxId: sellerDetail("INVOICE_SELLER_TAX_ID", "not registered"),
  smtpTimeoutMs: positive("SMTP_TIMEOUT_MS", 10_000),
  notifyPollMs: positive("NOTIFY_POLL_MS", 1_000),
  notifyReminderPollMs: positive("NOTIFY_REMINDER_POLL_MS", 60_000),
  notifyMaxAttempts: positive("NOTIFY_MAX_ATTEMPTS", 8),
  notifyRetryBaseSeconds: positive("NOTIFY_RETRY_BASE_SECONDS", 30),
  renewalCron: Config.string("RENEWAL_CRON").pipe(Config.withDefault("0 * * * *")),
  suspensionRetentionDays: positive("SUSPENSION_RETENTION_DAYS", 30),
  devClock: Config.boolean("DEV_CLOCK").pipe(Config.withDefault(false)),
  clusterMode: Config.literal("simulator", "kubernetes")("CLUSTER_MODE").pipe(Config.withDefault("simulator" as const)),
  kubeconfigPath: Config.option(Config.string("KUBECONFIG")).pipe(
    Config.map((p) => Option.filter(p, (v) => v.length > 0))
  ),
  clusterIngressClass: dnsName("CLUSTER_INGRESS_CLASS", "nginx"),
  clusterIngressNamespace: dnsName("CLUSTER_INGRESS_NAMESPACE", "ingress-nginx"),
  clusterTlsIssuer: Config.option(dnsName("CLUSTER_TLS_ISSUER")),
  clusterStorageClass: Config.option(dnsName("CLUSTER_STORAGE_CLASS")),
  clusterImagePullSecret: Config.option(dnsName("CLUSTER_IMAGE_PULL_SECRET")),
  clusterNamespacePrefix: Config.string("CLUSTER_NAMESPACE_PREFIX").pipe(
    Config.withDefault("user-"),
    Config.validate({
      message: "must be lowercase letters, digits and dashes, starting with a letter, at most 26 characters",
      validation: (p) => /^[a-z][-a-z0-9]{0,25}$/.test(p)
    })
  ),
  clusterRequestTimeoutMs: positive("CLUSTER_REQUEST_TIMEOUT_MS", 10_000),
  clusterCrashLoopRestarts: positive("CLUSTER_CRASHLOOP_RESTARTS", 3),
  instanceReconcileSeconds: positive("INSTANCE_RECONCILE_SECONDS", 60),
  simulatorKubeconfigPath: Config.string("SIM_KUBECONFIG_PATH").pipe(
    Config.withDefault(".data/kubeconfig-simulator.yaml")
  ),
  shutdownDelayMs: Config.integer("SHUTDOWN_DELAY_MS").pipe(
    Config.withDefault(0),
    Config.validate({ message: "must be between 0 and 60000", validation: (n) => n >= 0 && n <= 60_000 })
  )
}

/** Environment variable of each setting, for messages (a failed validation does not carry its path). */
const variableOf: Record<keyof typeof settings, string> = {
  port: "PORT",
  host: "HOST",
  databaseUrl: "DATABASE_URL",
  databasePoolSize: "DATABASE_POOL_SIZE",
  embeddedDataDir: "EMBEDDED_PG_DATA_DIR",
  embeddedPort: "EMBEDDED_PG_PORT",
  jwtSecret: "JWT_SECRET",
  accessTokenTtlSeconds: "ACCESS_TOKEN_TTL_SECONDS / JWT_EXPIRES_IN",
  refreshTokenTtlSeconds: "REFRESH_TOKEN_TTL_SECONDS / JWT_REFRESH_EXPIRES_IN",
  adminEmail: "ADMIN_EMAIL",
  adminPassword: "ADMIN_PASSWORD",
  loginWindowSeconds: "LOGIN_RATE_WINDOW_SECONDS",
  loginMaxPerAccount: "LOGIN_RATE_MAX_PER_ACCOUNT",
  loginMaxPerAddress: "LOGIN_RATE_MAX_PER_ADDRESS",
  bodyLimitBytes: "BODY_LIMIT_BYTES",
  logLevel: "LOG_LEVEL",
  trustProxy: "TRUST_PROXY",
  corsOrigins: "CORS_ORIGINS",
  checkResponses: "CHECK_RESPONSES",
  publicBaseUrl: "PUBLIC_BASE_URL",
  midtransMode: "MIDTRANS_MODE",
  midtransServerKey: "MIDTRANS_SERVER_KEY",
  midtransClientKey: "MIDTRANS_CLIENT_KEY",
  midtransIsProduction: "MIDTRANS_IS_PRODUCTION",
  midtransApiBaseUrl: "MIDTRANS_API_BASE_URL",
  midtransSnapBaseUrl: "MIDTRANS_SNAP_BASE_URL",
  midtransFinishUrl: "MIDTRANS_FINISH_URL",
  midtransUnfinishUrl: "MIDTRANS_UNFINISH_URL",
  midtransErrorUrl: "MIDTRANS_ERROR_URL",
  midtransNotificationUrl: "MIDTRANS_NOTIFICATION_URL",
  midtransTimeoutMs: "MIDTRANS_TIMEOUT_MS",
  midtransConfirmStatus: "MIDTRANS_CONFIRM_STATUS",
  topUpExpirySeconds: "TOPUP_EXPIRY_SECONDS",
  reconcileCron: "PAYMENT_RECONCILE_CRON",
  reconcileAfterSeconds: "PAYMENT_RECONCILE_AFTER_SECONDS",
  clusterBaseDomain: "CLUSTER_BASE_DOMAIN",
  simulatedReadyMs: "SIM_CLUSTER_READY_MS",
  provisioningTimeoutSeconds: "PROVISIONING_TIMEOUT_SECONDS",
  provisioningPollMs: "PROVISIONING_POLL_MS",
  nodeEnv: "NODE_ENV",
  minispodEnv: "MINISPOD_ENV",
  registerMaxPerAddress: "REGISTER_RATE_MAX_PER_ADDRESS",
  passwordChangeMaxFailures: "PASSWORD_CHANGE_MAX_FAILURES",
  passwordHashConcurrency: "PASSWORD_HASH_CONCURRENCY",
  passwordHashQueue: "PASSWORD_HASH_QUEUE",
  sessionCacheSeconds: "SESSION_CHECK_CACHE_SECONDS",
  refreshGraceSeconds: "REFRESH_GRACE_SECONDS",
  metricsPort: "METRICS_PORT",
  metricsToken: "METRICS_TOKEN",
  databaseConnectTimeoutSeconds: "DATABASE_CONNECT_TIMEOUT_SECONDS",
  databaseStatementTimeoutMs: "DATABASE_STATEMENT_TIMEOUT_MS",
  requestTimeoutMs: "REQUEST_TIMEOUT_MS",
  logStreamsPerUser: "LOG_STREAMS_PER_USER",
  logStreamRecheckSeconds: "LOG_STREAM_RECHECK_SECONDS",
  logStreamPingSeconds: "LOG_STREAM_PING_SECONDS",
  logStreamBufferBytes: "LOG_STREAM_BUFFER_BYTES",
  smtpUrl: "SMTP_URL",
  mailFrom: "MAIL_FROM",
  invoiceSellerName: "INVOICE_SELLER_NAME",
  invoiceSellerAddress: "INVOICE_SELLER_ADDRESS",
  invoiceSellerEmail: "INVOICE_SELLER_EMAIL",
  invoiceSellerTaxId: "INVOICE_SELLER_TAX_ID",
  smtpTimeoutMs: "SMTP_TIMEOUT_MS",
  notifyPollMs: "NOTIFY_POLL_MS",
  notifyReminderPollMs: "NOTIFY_REMINDER_POLL_MS",
  notifyMaxAttempts: "NOTIFY_MAX_ATTEMPTS",
  notifyRetryBaseSeconds: "NOTIFY_RETRY_BASE_SECONDS",
  renewalCron: "RENEWAL_CRON",
  suspensionRetentionDays: "SUSPENSION_RETENTION_DAYS",
  devClock: "DEV_CLOCK",
  clusterMode: "CLUSTER_MODE",
  kubeconfigPath: "KUBECONFIG",
  clusterIngressClass: "CLUSTER_INGRESS_CLASS",
  clusterIngressNamespace: "CLUSTER_INGRESS_NAMESPACE",
  clusterTlsIssuer: "CLUSTER_TLS_ISSUER",
  clusterStorageClass: "CLUSTER_STORAGE_CLASS",
  clusterImagePullSecret: "CLUSTER_IMAGE_PULL_SECRET",
  clusterNamespacePrefix: "CLUSTER_NAMESPACE_PREFIX",
  clusterRequestTimeoutMs: "CLUSTER_REQUEST_TIMEOUT_MS",
  clusterCrashLoopRestarts: "CLUSTER_CRASHLOOP_RESTARTS",
  instanceReconcileSeconds: "INSTANCE_RECONCILE_SECONDS",
  simulatorKubeconfigPath: "SIM_KUBECONFIG_PATH",
  shutdownDelayMs: "SHUTDOWN_DELAY_MS"
}

/** Every setting of the server and CLIs, from the environment, validated at start. */
export const AppConfig = Config.all(settings)

export type AppConfig = Config.Config.Success<typeof AppConfig>

/** Loads the config or exits with a message naming every bad variable (values never printed). */
export const loadConfig = async (): Promise<AppConfig> => {
  const results = await Effect.runPromise(Effect.all(settings, { mode: "either" }))
  const outcomes = Object.entries(results) as Array<
    [keyof typeof settings, Either.Either<unknown, ConfigError.ConfigError>]
  >
  const errors = outcomes.flatMap(([key, r]) =>
    Either.isLeft(r) ? [describeConfigError(r.left, variableOf[key])] : []
  )
  if (errors.length === 0) {
    const config = await Effect.runPromise(AppConfig)
    const crossChecks = [
      ...(config.midtransMode !== "simulator" && Option.isNone(config.midtransServerKey)
        ? [`  MIDTRANS_SERVER_KEY: required when MIDTRANS_MODE=${config.midtransMode}`]
        : []),
      ...(cron.validate(config.reconcileCron) ? [] : ["  PAYMENT_RECONCILE_CRON: not a valid cron expression"]),
      ...productionRefusals(config, { midtransModeSet: process.env["MIDTRANS_MODE"] !== undefined }),
      ...(config.clusterMode === "kubernetes" &&
      Option.isNone(config.kubeconfigPath) &&
      !process.env["KUBERNETES_SERVICE_HOST"]
        ? [
            "  KUBECONFIG: required when CLUSTER_MODE=kubernetes outside a cluster (in a pod, the service account is used)"
          ]
        : []),
      ...(config.clusterMode === "kubernetes" &&
      Option.isSome(config.kubeconfigPath) &&
      !existsSync(config.kubeconfigPath.value)
        ? ["  KUBECONFIG: no such file"]
        : []),
      ...(cron.validate(config.renewalCron) ? [] : ["  RENEWAL_CRON: not a valid cron expression"])
    ]
    if (crossChecks.length === 0) return config
    errors.push(...crossChecks)
  }
  // The log's line shape (no logger exists yet: the level is part of what failed).
  process.stderr.write(
    `${JSON.stringify({ level: "error", time: new Date().toISOString(), requestId: null, context: { problems: errors.map((e) => e.trim()) }, message: "invalid configuration" })}\n`
  )
  process.exit(2)
}

const describeConfigError = (error: ConfigError.ConfigError, variable: string): string =>
  ConfigError.reduceWithContext(error, undefined, {
    andCase: (_, l: string, r: string) => `${l}\n${r}`,
    orCase: (_, l: string, r: string) => `${l}\n${r}`,
    invalidDataCase: (_, path, message) => `  ${path.length === 0 ? variable : path.join(".")}: ${message}`,
    missingDataCase: (_, path, message) => `  ${path.length === 0 ? variable : path.join(".")}: ${message}`,
    sourceUnavailableCase: (_, path, message) => `  ${path.length === 0 ? variable : path.join(".")}: ${message}`,
    unsupportedCase: (_, path, message) => `  ${path.length === 0 ? variable : path.join(".")}: ${message}`
  })
