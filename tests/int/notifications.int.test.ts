import { Clock, Duration, Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { MailerSmtp } from "../../adapters/mail/smtpMailer.ts"
import { NotificationsPostgres } from "../../adapters/postgres/notifications.ts"
import { creditTopUp } from "../../application/ledger/useCases.ts"
import { EventStore } from "../../application/ports/eventStore.ts"
import { dispatchEmails, enqueueReminders, NotificationPolicy } from "../../application/notification/useCases.ts"
import { SubscriptionQueries } from "../../application/ports/subscriptionQueries.ts"
import { controlInstance } from "../../application/subscription/instances.ts"
import { bringUp } from "../../application/subscription/provisioning.ts"
import { subscribe } from "../../application/subscription/useCases.ts"
import { postgresLayer } from "../../infra/layers.ts"
import { clusterOn } from "../support/clusterOnSimulator.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { type RunningKubeSimulator, startKubeSimulator } from "../support/kubeSimulator.ts"
import { system } from "../support/ledgerMother.ts"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.ts"

const ghostBasic = "90000000-0000-4000-8000-000000000004" // 75,000 a month
const n8nBasic = "90000000-0000-4000-8000-000000000002"

/** The application clock, moved by hand (what the development clock does for the server). */
let nowMs = Date.parse("2026-12-01T00:00:00.000Z")
const movableClock: Clock.Clock = {
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  unsafeCurrentTimeMillis: () => nowMs,
  currentTimeMillis: Effect.sync(() => nowMs),
  unsafeCurrentTimeNanos: () => BigInt(nowMs) * 1_000_000n,
  currentTimeNanos: Effect.sync(() => BigInt(nowMs) * 1_000_000n),
  sleep: (d) => Effect.promise(() => new Promise<void>((r) => setTimeout(r, Duration.toMillis(d))))
}

const retry = { maxAttempts: 3, baseDelayMs: 30_000, maxDelayMs: 3_600_000 }
const makeRuntime = (url: string, smtpUrl: string) =>
  ManagedRuntime.make(
    Layer.mergeAll(
      NotificationsPostgres,
      clusterOn(sim),
      MailerSmtp({ url: smtpUrl, from: "MinisPod <no-reply@minispod.test>", timeoutMs: 5_000 }),
      Layer.succeed(NotificationPolicy, {
        retry,
        leaseMs: 60_000,
        batchSize: 20,
        baseDomain: "apps.test",
        appUrl: () => "https://minispod.test"
      })
    ).pipe(Layer.provideMerge(postgresLayer(url, 20)))
  )

let db: TestDatabase
let sim: RunningKubeSimulator
let sink: SmtpSink
/** One pass of the provisioning worker: every instance in a transitional state brought up (or failed) and watched. */
const provisionPending = () =>
  Effect.flatMap(SubscriptionQueries, (q) => q.provisioning(200)).pipe(
    Effect.flatMap((views) => Effect.forEach(views, bringUp, { discard: true }))
  )

let replicaA: ReturnType<typeof makeRuntime>
let replicaB: ReturnType<typeof makeRuntime>
type Services = ManagedRuntime.ManagedRuntime.Context<typeof replicaA>
const run = <A, E>(effect: Effect.Effect<A, E, Services>, replica = replicaA) =>
  replica.runPromise(Effect.withClock(effect, movableClock))

beforeAll(async () => {
  // Not left to the closing ledger audit: the billing-clock test appends renewal, grace, suspension and
  // expiry events straight onto one subscription stream (the notifications are under test, not the
  // decisions), so the quota stream never sees the suspension release its slot.
  db = await createTestDatabase({ audited: false })
  sim = await startKubeSimulator(db.sql, { readyDelayMs: 0 })
  sink = await startSmtpSink()
  replicaA = makeRuntime(db.url, sink.url)
  replicaB = makeRuntime(db.url, sink.url)
})
afterAll(async () => {
  await replicaA.dispose()
  await replicaB.dispose()
  await sink.close()
  await sim.stop()
  await db.drop()
})
beforeEach(async () => {
  // Each test reads only its own rows: older ones are marked delivered.
  await db.sql`update notifications set email_status = 'SENT' where email_status = 'PENDING'`
  sink.received.length = 0
  sink.refuseNext = 0
})

let userCounter = 0
/** A customer account (the insert's trigger writes its welcome notification). */
const newCustomer = async (locale: "id" | "en" = "id") => {
  const n = ++userCounter
  const id = `66666666-0000-4000-8000-${String(n).padStart(12, "0")}`
  await db.sql`insert into users (id, name, email, role, password_hash, created_at, updated_at, locale)
    values (${id}, ${`Customer ${n}`}, ${`customer${n}@example.com`}, 'USER', 'x', ${new Date(nowMs)}, ${new Date(nowMs)}, ${locale})`
  return { id, email: `customer${n}@example.com` }
}
const rowsOf = (userId: string, kind?: string) =>
  db.sql<
    Array<{
      id: string
      kind: string
      params: any
      email_status: string
      email_attempts: number
      email_next_attempt_at: Date
      email_last_error: string | null
    }>
  >`
    select * from notifications where user_id = ${userId} ${kind === undefined ? db.sql`` : db.sql`and kind = ${kind}`} order by created_at`
const fund = (userId: string, amount: number, reference: string) =>
  run(creditTopUp({ userId, paymentReference: reference, amount }, system))

/** Dispatch passes on both replicas at once until nothing is due now. */
const drain = async () => {
  for (let i = 0; i < 50; i++) {
    const [a, b] = await Promise.all([run(dispatchEmails(), replicaA), run(dispatchEmails(), replicaB)])
    if (a.sent + a.retrying + a.failed + a.skipped + b.sent + b.retrying + b.failed + b.skipped === 0) return
  }
  throw new Error("the outbox did not drain")
}

describe("the notification outbox", () => {
  it("a new customer gets a welcome notification in the insert's transaction; an administrator does not", async () => {
    const customer = await newCustomer()
    expect((await rowsOf(customer.id)).map((r) => r.kind)).toEqual(["welcome"])
    await db.sql`insert into users (id, name, email, role, password_hash, created_at, updated_at)
      values ('66666666-ffff-4000-8000-000000000000', 'Admin', 'admin-x@example.com', 'ADMINISTRATOR', 'x', now(), now())`
    expect(await rowsOf("66666666-ffff-4000-8000-000000000000")).toEqual([])
  })

  it("one notification per cause under concurrent appends: 20 deliveries of one top-up credit once and notify once", async () => {
    const customer = await newCustomer()
    await Promise.all(Array.from({ length: 20 }, () => fund(customer.id, 150_000, "order-once")))
    await Promise.all(Array.from({ length: 10 }, (_, i) => fund(customer.id, 10_000, `order-${i}`)))
    const topUps = await rowsOf(customer.id, "topup_settled")
    expect(topUps).toHaveLength(11)
    expect(topUps.filter((r) => r.params.amount === 150_000)).toHaveLength(1)
    expect(topUps[0]!.params).toMatchObject({
      _tag: "topup_settled",
      transactionId: expect.stringMatching(/^TXMP-\d+$/)
    })
  })

  it("a subscription notifies its creation and, once per provisioning, its readiness (a stop/start is not a new service)", async () => {
    const customer = await newCustomer()
    await fund(customer.id, 75_000, "sub-funds")
    const sub = await run(subscribe({ userId: customer.id, planId: ghostBasic, instanceName: "blog" }, system))
    const created = await rowsOf(customer.id, "subscription_created")
    expect(created.map((r) => r.params)).toEqual([
      expect.objectContaining({
        serviceName: "Ghost",
        planName: expect.any(String),
        instanceName: "blog",
        charged: 75_000
      })
    ])
    const running = async () => {
      for (let i = 0; i < 20; i++) {
        await run(provisionPending())
        const view = await run(Effect.flatMap(SubscriptionQueries, (q) => q.find(sub.id)))
        if (view?.instanceStatus === "RUNNING") return
      }
      throw new Error("never running")
    }
    await running()
    await run(controlInstance(customer.id, sub.id, "stop"))
    await run(controlInstance(customer.id, sub.id, "start"))
    await running()
    const ready = await rowsOf(customer.id, "service_ready")
    expect(ready.map((r) => r.params)).toEqual([
      { _tag: "service_ready", serviceName: "Ghost", instanceName: "blog", subscriptionId: sub.id }
    ])
  })

  it("a failed provisioning notifies the refund", async () => {
    const customer = await newCustomer()
    await fund(customer.id, 75_000, "fail-funds")
    await run(subscribe({ userId: customer.id, planId: n8nBasic, instanceName: "fail-app" }, system))
    for (let i = 0; i < 5 && (await rowsOf(customer.id, "provisioning_failed")).length === 0; i++)
      await run(provisionPending())
    const failed = await rowsOf(customer.id, "provisioning_failed")
    expect(failed).toHaveLength(1)
    expect(failed[0]!.params.refunded).toBeGreaterThan(0)
  })
})

describe("the email dispatcher (nodemailer to a real SMTP server)", () => {
  it("two replicas dispatching at once deliver every email exactly once, in the recipient's language", async () => {
    const customers = [
      ...(await Promise.all(Array.from({ length: 15 }, () => newCustomer("id")))),
      ...(await Promise.all(Array.from({ length: 15 }, () => newCustomer("en"))))
    ]
    await Promise.all(customers.map((c, i) => fund(c.id, 20_000 + i, `dispatch-${i}`)))
    await drain()
    // 30 welcomes + 30 top-ups
    expect(sink.received).toHaveLength(60)
    expect(new Set(sink.received.map((m) => m.messageId)).size).toBe(60)
    const ids = await db.sql<Array<{ id: string; email_status: string; email_attempts: number }>>`
      select id, email_status, email_attempts from notifications where user_id = any(${customers.map((c) => c.id)})`
    expect(ids.every((r) => r.email_status === "SENT" && r.email_attempts === 1)).toBe(true)
    expect(new Set(sink.received.map((m) => m.messageId))).toEqual(new Set(ids.map((r) => `<${r.id}@minispod>`)))
    const first = sink.received.find((m) => m.rcpt[0] === customers[0]!.email && m.subject?.startsWith("Isi saldo"))
    expect(first?.subject).toBe("Isi saldo Rp\u00a020.000 berhasil")
    expect(first?.html).toContain("Rp\u00a020.000")
    const english = sink.received.find((m) => m.rcpt[0] === customers[15]!.email && m.subject?.startsWith("Welcome"))
    expect(english?.text).toContain("Your MinisPod account is ready")
  })

  it("retries a refused email with exponential backoff, then delivers it once", async () => {
    const customer = await newCustomer()
    const [welcome] = await rowsOf(customer.id)
    sink.refuseNext = 2
    const start = nowMs
    const pass = () => run(dispatchEmails())
    expect(await pass()).toMatchObject({ retrying: 1, sent: 0 })
    let [row] = await rowsOf(customer.id)
    expect(row).toMatchObject({
      email_status: "PENDING",
      email_attempts: 1,
      email_last_error: expect.stringContaining("451")
    })
    expect(row!.email_next_attempt_at.getTime()).toBe(start + 30_000)
    nowMs = start + 29_999
    expect(await pass()).toMatchObject({ retrying: 0, sent: 0 }) // not due yet
    nowMs = start + 30_000
    expect(await pass()).toMatchObject({ retrying: 1 })
    ;[row] = await rowsOf(customer.id)
    expect(row!.email_next_attempt_at.getTime()).toBe(start + 30_000 + 60_000) // doubled
    nowMs = start + 90_000
    expect(await pass()).toMatchObject({ sent: 1 })
    ;[row] = await rowsOf(customer.id)
    expect(row).toMatchObject({ email_status: "SENT", email_attempts: 3 })
    expect(sink.received.map((m) => m.messageId)).toEqual([`<${welcome!.id}@minispod>`])
  })

  it("gives up after the last attempt and says why; a notification without a user is skipped", async () => {
    const customer = await newCustomer()
    sink.refuseNext = 100
    for (let i = 0; i < retry.maxAttempts; i++) {
      await run(dispatchEmails())
      nowMs += 3_600_000
    }
    const [row] = await rowsOf(customer.id)
    expect(row).toMatchObject({
      email_status: "FAILED",
      email_attempts: 3,
      email_last_error: expect.stringContaining("451")
    })
    sink.refuseNext = 0
    await fund("66666666-dead-4000-8000-000000000000", 10_000, "orphan")
    await drain()
    expect(await rowsOf("66666666-dead-4000-8000-000000000000")).toEqual([
      expect.objectContaining({ email_status: "SKIPPED" })
    ])
    expect(sink.received).toEqual([])
  })
})

describe("time-driven reminders", () => {
  it("low credit 7 days before a renewal the balance cannot cover: once, whatever the number of runs and replicas", async () => {
    const customer = await newCustomer()
    await fund(customer.id, 75_000, "low-credit-funds")
    const sub = await run(subscribe({ userId: customer.id, planId: ghostBasic, instanceName: "shop" }, system))
    const view = sub
    nowMs = Date.parse(view.periodEnd) - 8 * 86_400_000
    await run(enqueueReminders())
    expect(await rowsOf(customer.id, "low_credit")).toEqual([])
    nowMs = Date.parse(view.periodEnd) - 6 * 86_400_000
    await Promise.all([
      run(enqueueReminders(), replicaA),
      run(enqueueReminders(), replicaB),
      run(enqueueReminders(), replicaA)
    ])
    nowMs += 86_400_000
    await run(enqueueReminders())
    const low = await rowsOf(customer.id, "low_credit")
    expect(low.map((r) => r.params)).toEqual([
      expect.objectContaining({ amountDue: 75_000, balance: 0, renewalAt: view.periodEnd, serviceName: "Ghost" })
    ])
  })
})

describe("billing-clock events", () => {
  it("renewal, grace, daily grace reminders, suspension and expiry each notify once, with the event's facts", async () => {
    const customer = await newCustomer()
    await fund(customer.id, 75_000, "billing-funds")
    const sub = await run(subscribe({ userId: customer.id, planId: ghostBasic, instanceName: "news" }, system))
    const stream = `subscription-${sub.id}`
    const periodEnd = Date.parse(sub.periodEnd)
    const iso = (ms: number) => new Date(ms).toISOString()
    const nextEnd = periodEnd + 31 * 86_400_000
    const graceEndsAt = iso(nextEnd + 7 * 86_400_000)
    const append = async (events: ReadonlyArray<{ type: string; data: unknown }>) =>
      run(
        Effect.gen(function* () {
          const store = yield* EventStore
          const loaded = yield* store.readStream(stream)
          return yield* store.append(
            [{ streamId: stream, expectedVersion: loaded.version, events }],
            system,
            new Date(nowMs)
          )
        })
      )
    await append([
      {
        type: "SubscriptionRenewed",
        data: {
          _tag: "SubscriptionRenewed",
          at: iso(periodEnd),
          periodStart: sub.periodEnd,
          periodEnd: iso(nextEnd),
          charged: 75_000,
          chargeTransactionId: "TXMP-999999",
          freeMonth: false,
          afterGrace: false
        }
      }
    ])
    await append([
      {
        type: "GracePeriodStarted",
        data: {
          _tag: "GracePeriodStarted",
          at: iso(nextEnd),
          periodStart: iso(nextEnd),
          graceEndsAt,
          amountDue: 75_000,
          balance: 0,
          shortfall: 75_000
        }
      }
    ])
    nowMs = nextEnd + 3_600_000
    await run(enqueueReminders()) // the day grace started: its own notice is enough
    nowMs = nextEnd + 86_400_000 + 3_600_000
    await Promise.all([run(enqueueReminders(), replicaA), run(enqueueReminders(), replicaB)])
    nowMs += 3_600_000
    await run(enqueueReminders()) // same day again: nothing new
    nowMs += 86_400_000
    await run(enqueueReminders()) // next day: one more
    const retentionEndsAt = iso(Date.parse(graceEndsAt) + 30 * 86_400_000)
    await append([
      {
        type: "SubscriptionSuspended",
        data: { _tag: "SubscriptionSuspended", at: graceEndsAt, graceEndsAt, amountDue: 75_000, retentionEndsAt }
      }
    ])
    nowMs += 86_400_000
    await run(enqueueReminders()) // suspended: no more grace reminders
    await append([
      {
        type: "SubscriptionExpired",
        data: { _tag: "SubscriptionExpired", at: retentionEndsAt, by: "system", reason: "SUSPENSION_RETENTION_OVER" }
      }
    ])
    const kinds = (await rowsOf(customer.id)).map((r) => r.kind).filter((k) => k !== "welcome" && k !== "topup_settled")
    expect(kinds.sort()).toEqual(
      [
        "subscription_created",
        "renewal_succeeded",
        "grace_started",
        "grace_reminder",
        "grace_reminder",
        "suspended",
        "expired"
      ].sort()
    )
    expect((await rowsOf(customer.id, "renewal_succeeded"))[0]!.params).toMatchObject({
      charged: 75_000,
      periodEnd: iso(nextEnd),
      serviceName: "Ghost",
      instanceName: "news"
    })
    expect((await rowsOf(customer.id, "grace_started"))[0]!.params).toMatchObject({ amountDue: 75_000, graceEndsAt })
    expect((await rowsOf(customer.id, "grace_reminder")).map((r) => r.params.daysLeft)).toEqual([6, 5])
    expect((await rowsOf(customer.id, "suspended"))[0]!.params).toMatchObject({ retentionEndsAt })
  })
})
