import { randomBytes } from "node:crypto"
import { mkdir, writeFile } from "node:fs/promises"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Fiber, Layer, ManagedRuntime, Option, Redacted } from "effect"
import cron from "node-cron"
import { makeHttpApp } from "../../adapters/http/app.ts"
import { corsPolicy } from "../../adapters/http/cors.ts"
import { makeSimulatorRouter } from "../../adapters/midtrans/simulator.ts"
import { kubeSimulatorPrefix, makeKubeSimulator } from "../../adapters/kubesim/simulator.ts"
import { attachLogSocket } from "../../adapters/ws/logs.ts"
import { makeMailboxRouter, startDevMailbox } from "../../adapters/mail/devMailbox.ts"
import { dispatchEmails, enqueueReminders } from "../../application/notification/useCases.ts"
import { reconcilePendingPayments } from "../../application/payment/useCases.ts"
import { runProvisioningWorker } from "../../application/subscription/provisioning.ts"
import { processRenewals, runScheduledRenewals } from "../../application/renewals/useCases.ts"
import { runReconciliation } from "../../application/operations/reconciliation.ts"
import { businessFigures } from "../../adapters/postgres/businessFigures.ts"
import { registerBusinessMetrics } from "../businessMetrics.ts"
import { makeDevClockRouter } from "../../adapters/http/devClockRoutes.ts"
import { makeDevClock } from "../../adapters/postgres/devClock.ts"
import { connect, Pg } from "../../adapters/postgres/client.ts"
import { migrate } from "../../adapters/postgres/migrator.ts"
import { ensureAdministrator } from "../../application/accounts/useCases.ts"
import { loadConfig } from "../config.ts"
import { openDatabase } from "../database.ts"
import { appLayer, jwtSecretOf, notificationBatchSize, notificationLayer, usesDevMailbox } from "../layers.ts"
import { persistedJwtSecret } from "../jwtSecretFile.ts"
import { effectLogging, jsonLogger, makeLog } from "../logging.ts"
import { routes } from "../routes.ts"
import { mayServeDevSurfaces, startWarnings } from "../productionSafety.ts"
import { isDatabaseUnavailable } from "../../adapters/postgres/client.ts"
import { metricsServing } from "../metrics.ts"

const migrationsDir = fileURLToPath(new URL("../../migrations", import.meta.url))
const devAdmin = { email: "admin@minispod.local", password: "minispod-admin" }

const config = await loadConfig()
const log = makeLog(config.logLevel)
const logger = jsonLogger(log)
const database = await openDatabase(config)
const shutdownTimeoutMs = 30_000

try {
  const sql = connect(database.url, { max: 1 })
  const result = await migrate(sql, migrationsDir).finally(() => sql.end())
  logger.info("migrations", { applied: result.applied, alreadyApplied: result.alreadyApplied })
} catch (error) {
  logger.error("migrations failed", { error: String(error) })
  await database.stop()
  process.exit(1)
}

// Without JWT_SECRET the embedded setup keeps a generated secret beside its data, so sessions survive restarts.
const jwtFile = database.embeddedDataDir === undefined ? undefined : `${database.embeddedDataDir}.jwt-secret`
const keptSecret =
  Option.isNone(config.jwtSecret) && jwtFile !== undefined ? await persistedJwtSecret(jwtFile) : undefined
const jwt = keptSecret
  ? { secret: keptSecret.secret, generated: false }
  : jwtSecretOf(config, () => randomBytes(32).toString("base64url"))
const serverKey = Option.match(config.midtransServerKey, {
  onNone: () => ({ value: `SB-Mid-server-dev-${randomBytes(12).toString("base64url")}`, generated: true }),
  onSome: (key) => ({ value: Redacted.value(key), generated: false })
})
let selfUrl = ""
const gateway = { serverKey: serverKey.value, selfUrl: () => selfUrl }
// The development clock: only with DEV_CLOCK=true while every external system is simulated; one
// boolean, never true in production.
const devClockEnabled =
  config.devClock &&
  config.midtransMode === "simulator" &&
  config.clusterMode === "simulator" &&
  mayServeDevSurfaces(config)
const devClockSql = devClockEnabled ? connect(database.url, { max: 2 }) : undefined
const devClock = devClockSql ? await makeDevClock(devClockSql) : undefined
// The development mailbox: a real SMTP server in this process, only on simulated systems.
const mailboxSql = usesDevMailbox(config) && mayServeDevSurfaces(config) ? connect(database.url, { max: 2 }) : undefined
const devMailbox = mailboxSql && (await startDevMailbox({ sql: mailboxSql, now: () => devClock?.now() ?? new Date() }))
const smtpUrl = devMailbox?.url ?? Option.getOrUndefined(Option.map(config.smtpUrl, Redacted.value))
const runtime = ManagedRuntime.make(
  Layer.mergeAll(
    notificationLayer(config, { smtpUrl, appUrl: () => selfUrl }).pipe(
      Layer.provideMerge(appLayer(database.url, config, jwt.secret, gateway))
    ),
    effectLogging(log, config.logLevel),
    devClock ? Layer.setClock(devClock.clock) : Layer.empty
  )
)

const admin = {
  email: Option.getOrElse(config.adminEmail, () => devAdmin.email),
  password: Option.match(config.adminPassword, { onNone: () => devAdmin.password, onSome: Redacted.value })
}
await runtime.runPromise(ensureAdministrator(admin))

const simulator =
  config.midtransMode === "simulator" && mayServeDevSurfaces(config)
    ? [makeSimulatorRouter({ sql: await runtime.runPromise(Pg), serverKey: serverKey.value, selfUrl: () => selfUrl })]
    : []

// After a development-clock advance the time-driven jobs run at once, as their ticks would have.
const renewNow = () =>
  runtime.runPromise(
    Effect.all({
      renewals: processRenewals(),
      payments: reconcilePendingPayments({ olderThanSeconds: config.reconcileAfterSeconds, limit: 500 }),
      reminders: enqueueReminders()
    })
  )
const devClockRouters = devClock ? [makeDevClockRouter(devClock, renewNow)] : []

// The Kubernetes API simulator (CLUSTER_MODE=simulator): the cluster adapter talks to it over HTTP.
const kubeSimulator =
  config.clusterMode === "simulator" && mayServeDevSurfaces(config)
    ? await makeKubeSimulator({
        sql: await runtime.runPromise(Pg),
        selfUrl: () => selfUrl,
        readyDelayMs: config.simulatedReadyMs
      })
    : undefined
const kubeconfigFile = resolve(config.simulatorKubeconfigPath)

const cors = corsPolicy(config.corsOrigins)
const { app, drained, metricsText } = makeHttpApp({
  extraRouters: [
    ...simulator,
    ...(kubeSimulator ? [kubeSimulator.router] : []),
    ...devClockRouters,
    ...(mailboxSql ? [makeMailboxRouter({ sql: mailboxSql })] : [])
  ],
  cors,
  checkResponses: config.checkResponses,
  routes,
  run: (effect) => runtime.runPromiseExit(effect),
  logger,
  bodyLimitBytes: config.bodyLimitBytes,
  requestTimeoutMs: config.requestTimeoutMs,
  trustProxy: config.trustProxy,
  draining: () => stopping,
  unavailable: isDatabaseUnavailable,
  metrics: metricsServing(config).onApiPort,
  registerMetrics: (registry) => registerBusinessMetrics(registry, () => runtime.runPromise(Pg).then(businessFigures)),
  ready: () =>
    runtime.runPromise(
      Effect.flatMap(Pg, (sql) => Effect.promise(() => sql`select 1`)).pipe(
        Effect.as(true),
        Effect.timeoutTo({ duration: "2 seconds", onSuccess: (ok) => ok, onTimeout: () => false })
      )
    )
})

const server = createServer(app.callback())
const metricsServer = metricsServing(config).startSeparate({ metricsText })
// Browsers send Origin: only this server's own origin (or PUBLIC_BASE_URL) and CORS_ORIGINS may open a log socket.
const logSocket = attachLogSocket(server, {
  run: (effect) => runtime.runPromiseExit(effect),
  allowedOrigins: (req) =>
    req.headers.origin === undefined ||
    req.headers.origin === new URL(selfUrl).origin ||
    cors.allows(req.headers.origin),
  maxStreamsPerUser: config.logStreamsPerUser,
  recheckMs: config.logStreamRecheckSeconds * 1000,
  pingMs: config.logStreamPingSeconds * 1000,
  maxBufferedBytes: config.logStreamBufferBytes
})
// The reconciliation job: every replica schedules it; one at a time runs it (advisory lock).
const reconciliation = cron.schedule(
  config.reconcileCron,
  () => {
    runtime.runPromise(reconcilePendingPayments({ olderThanSeconds: config.reconcileAfterSeconds, limit: 500 })).then(
      (r) => r.checked > 0 && logger.info("payments reconciled", r),
      (error: unknown) => logger.error("payment reconciliation failed", { error: String(error) })
    )
  },
  { noOverlap: true }
)

// The renewal job: every replica schedules it; one at a time runs it (advisory lock).
const renewals = cron.schedule(
  config.renewalCron,
  () => {
    runtime.runPromise(runScheduledRenewals()).then(
      (r) => r.ran && logger.info("renewals", { ...r.counts }),
      (error: unknown) => logger.error("renewal run failed", { error: String(error) })
    )
  },
  { noOverlap: true }
)

// The instance reconciliation loop (drift repair, health): every replica ticks, one at a time runs it (advisory lock).
let reconcilingInstances = false
const instanceReconciliation = setInterval(() => {
  if (reconcilingInstances) return
  reconcilingInstances = true
  runtime
    .runPromise(runReconciliation())
    .then(
      (r) =>
        r.ran &&
        r.counts !== null &&
        r.counts.reapplied + r.counts.scaledUp + r.counts.scaledDown + r.counts.healthChanges + r.counts.failed > 0 &&
        logger.info("instances reconciled", { ...r.counts }),
      (error: unknown) => logger.error("instance reconciliation failed", { error: String(error) })
    )
    .finally(() => (reconcilingInstances = false))
}, config.instanceReconcileSeconds * 1000)

// The provisioning worker: its queue is the read model, so work survives restarts; each instance
// coming up is watched in the cluster by its own fiber; every step is idempotent, so replicas
// may run it side by side.
const provisioning = runtime.runFork(runProvisioningWorker(config.provisioningPollMs))

// Notifications: the email dispatcher (claims skip locked rows, so every replica may run it) and
// the time-driven reminders (dedupe keys make a second run or replica harmless).
const every = (ms: number, name: string, pass: () => Promise<unknown>) => {
  let busy = false
  return setInterval(() => {
    if (busy) return
    busy = true
    pass()
      .catch((error: unknown) => logger.error(`${name} failed`, { error: String(error) }))
      .finally(() => (busy = false))
  }, ms)
}
const notificationJobs = [
  ...(smtpUrl === undefined
    ? []
    : [
        every(config.notifyPollMs, "email dispatch", async () => {
          // Full batches mean a backlog: keep going (bounded) instead of waiting for the next tick.
          for (let pass = 0; pass < 20; pass++) {
            const r = await runtime.runPromise(dispatchEmails())
            if (r.sent + r.retrying + r.failed > 0) logger.info("emails dispatched", { ...r })
            if (r.sent + r.retrying + r.failed + r.skipped < notificationBatchSize) return
          }
        })
      ]),
  every(config.notifyReminderPollMs, "reminders", () =>
    runtime.runPromise(enqueueReminders()).then((n) => n > 0 && logger.info("reminders queued", { count: n }))
  )
]

server.listen(config.port, config.host, async () => {
  const { port } = server.address() as AddressInfo
  const listenHost = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host
  selfUrl = Option.match(config.publicBaseUrl, {
    onNone: () => `http://${listenHost}:${port}`,
    onSome: (u) => u.toString().replace(/\/$/, "")
  })
  const kubeconfigWritten =
    kubeSimulator === undefined
      ? undefined
      : await mkdir(dirname(kubeconfigFile), { recursive: true })
          .then(() => writeFile(kubeconfigFile, kubeSimulator.kubeconfig()))
          .then(
            () => true,
            (error: unknown) => String(error)
          )
  const lines = [
    `MinisPod listening on http://${config.host}:${port}`,
    `  database: ${database.description}`,
    ...database.notes.map((n) => `  note: ${n}`),
    Option.isNone(config.adminEmail)
      ? `  admin: ${devAdmin.email} / ${devAdmin.password} (dev default; set ADMIN_EMAIL and ADMIN_PASSWORD)`
      : `  admin: ${admin.email} (from ADMIN_EMAIL)`,
    keptSecret
      ? `  jwt: ${keptSecret.created ? "generated and kept" : "kept"} in ${jwtFile} (mode 600; sessions survive restarts; set JWT_SECRET for replicas)`
      : jwt.generated
        ? "  jwt: generated for this run (set JWT_SECRET so tokens survive restarts and replicas)"
        : "  jwt: JWT_SECRET",
    config.midtransMode === "simulator"
      ? `  payments: LOCAL MIDTRANS SIMULATOR (no real money): top-ups pay at ${selfUrl}/dev/midtrans/pay/<transactionId>` +
        (serverKey.generated
          ? `; dev server key ${serverKey.value} (set MIDTRANS_SERVER_KEY)`
          : "; server key from MIDTRANS_SERVER_KEY")
      : `  payments: Midtrans ${config.midtransMode} (server key from MIDTRANS_SERVER_KEY)`,
    config.clusterMode === "kubernetes"
      ? `  cluster: Kubernetes (${Option.getOrElse(config.kubeconfigPath, () => "in-cluster service account")}), namespaces ${config.clusterNamespacePrefix}<userId>, hosts *.${config.clusterBaseDomain}`
      : `  cluster: LOCAL KUBE API SIMULATOR at ${selfUrl}${kubeSimulatorPrefix} (no real cluster), driven by the real Kubernetes adapter; kubeconfig ${kubeconfigWritten === true ? `written to ${kubeconfigFile} (kubectl --kubeconfig ${kubeconfigFile} get pods -A)` : `not written (${kubeconfigWritten}); GET ${selfUrl}/dev/kube-config`}; names starting "fail-" cannot pull their image, "crash-" crash, "hang-" never get ready`,
    devMailbox
      ? `  mail: DEVELOPMENT MAILBOX (nothing leaves this machine): SMTP at ${devMailbox.url}, read at ${selfUrl}/dev/mailbox (set SMTP_URL for real mail)`
      : smtpUrl === undefined
        ? "  mail: OFF (no SMTP_URL): notifications are in-app only; emails wait in the outbox"
        : "  mail: SMTP from SMTP_URL",
    `  metrics: ${metricsServing(config).description}`,
    ...startWarnings(config),
    `  renewals: ${config.renewalCron} (RENEWAL_CRON); suspended subscriptions kept ${config.suspensionRetentionDays} days`,
    `  instances: reconciled every ${config.instanceReconcileSeconds} s (INSTANCE_RECONCILE_SECONDS): drift repaired, health recorded`,
    ...(devClock
      ? [
          `  clock: DEVELOPMENT CLOCK (DEV_CLOCK=true): now ${devClock.now().toISOString()}; POST ${selfUrl}/dev/clock/advance {"days": n}`
        ]
      : [])
  ]
  logger.info(lines[0]!, { details: lines.slice(1).map((l) => l.trim()) })
})

let stopping = false
const shutdown = (signal: string) => {
  if (stopping) return
  stopping = true
  logger.info("shutting down", { signal })
  const force = setTimeout(() => {
    logger.error("shutdown timed out; exiting", {})
    process.exit(1)
  }, config.shutdownDelayMs + shutdownTimeoutMs)
  force.unref()
  void reconciliation.stop()
  void renewals.stop()
  clearInterval(instanceReconciliation)
  devClock?.stop()
  void runtime.runPromise(Fiber.interrupt(provisioning))
  notificationJobs.forEach(clearInterval)
  // Readiness is 503 from now on; for SHUTDOWN_DELAY_MS the server still serves whoever load
  // balancers send before they notice, then stops accepting.
  setTimeout(() => {
    metricsServer?.close() // scraped until here, so Prometheus sees the drain begin
    logSocket.close()
    void kubeSimulator?.close() // open watches and log streams would hold their connections
    // Stop accepting; in-flight requests finish, idle keep-alive sockets close.
    server.close(async () => {
      await drained() // a request whose client already closed its side still finishes
      await runtime.dispose()
      await devMailbox?.close()
      await mailboxSql?.end({ timeout: 5 })
      await devClockSql?.end({ timeout: 5 })
      await database.stop()
      logger.info("stopped", {})
      process.exit(0)
    })
    server.closeIdleConnections()
  }, config.shutdownDelayMs)
}
process.on("SIGINT", () => shutdown("SIGINT"))
process.on("SIGTERM", () => shutdown("SIGTERM"))
