import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PaymentGatewayMidtrans } from "../../adapters/midtrans/gateway.ts"
import { midtransSignature } from "../../adapters/midtrans/signature.ts"
import {
  handleMidtransNotification,
  PaymentPolicy,
  reconcilePendingPayments,
  requestTopUp
} from "../../application/payment/useCases.ts"
import { LeaderLock, PaymentQueries } from "../../application/ports/paymentQueries.ts"
import { Users } from "../../application/ports/users.ts"
import { WalletQueries } from "../../application/ports/walletQueries.ts"
import { postgresLayer } from "../../infra/layers.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { startFakeMidtrans } from "../support/fakeMidtrans.ts"

const serverKey = "SB-Mid-server-int"
let db: TestDatabase
let fake: Awaited<ReturnType<typeof startFakeMidtrans>>
const userId = "33333333-0000-4000-8000-000000000001"

const makeRuntime = () =>
  ManagedRuntime.make(
    Layer.mergeAll(
      PaymentGatewayMidtrans({
        serverKey,
        clientKey: "",
        isProduction: false,
        coreBaseUrl: () => fake.url,
        snapBaseUrl: () => `${fake.url}/snap/v1`,
        timeoutMs: 2_000,
        callbacks: {},
        expiryMinutes: 60
      }),
      Layer.succeed(PaymentPolicy, { topUpExpirySeconds: 3600, confirmWithStatusApi: true })
    ).pipe(Layer.provideMerge(postgresLayer(db.url, 8)))
  )

let runtime: ReturnType<typeof makeRuntime>

beforeAll(async () => {
  db = await createTestDatabase()
  fake = await startFakeMidtrans()
  runtime = makeRuntime()
  await runtime.runPromise(
    Effect.flatMap(Users, (u) =>
      u.create({
        id: userId,
        name: "Ayu",
        email: "ayu@example.com",
        phone: null,
        avatar: null,
        role: "USER",
        isActive: true,
        locale: "id",
        passwordHash: "x",
        createdAt: new Date().toISOString(),
        updatedAt: new Date().toISOString()
      })
    )
  )
})
afterAll(async () => {
  await runtime.dispose()
  await fake.close()
  await db.drop()
})

const signed = (orderId: string, status: string, gross: string) => ({
  order_id: orderId,
  status_code: "200",
  gross_amount: gross,
  transaction_status: status,
  signature_key: midtransSignature(orderId, "200", gross, serverKey)
})

const balance = () => runtime.runPromise(Effect.flatMap(WalletQueries, (q) => q.summary(userId))).then((s) => s.balance)

describe("payments on Postgres with status confirmation", () => {
  it("applies what the status API says, not what a (validly signed) notification claims", async () => {
    const { transactionId } = await runtime.runPromise(
      requestTopUp({ userId, amount: 80_000, paymentMethod: "QRIS" }, {})
    )
    // The gateway still says pending: a settlement claim is not credited.
    await runtime.runPromise(handleMidtransNotification(signed(transactionId, "settlement", "80000.00"), {}))
    expect(await balance()).toBe(0)
    fake.transactions.get(transactionId)!["transaction_status"] = "settlement"
    const applied = await runtime.runPromise(
      handleMidtransNotification(signed(transactionId, "settlement", "80000.00"), {})
    )
    expect(applied.applied).toBe(true)
    expect(await balance()).toBe(80_000)
  })

  it("reconciliation runs on one replica at a time and credits a settled payment once", async () => {
    const { transactionId } = await runtime.runPromise(
      requestTopUp({ userId, amount: 20_000, paymentMethod: "QRIS" }, {})
    )
    fake.transactions.get(transactionId)!["transaction_status"] = "settlement"
    const other = makeRuntime() // a second replica with its own pool
    try {
      const runs = await Promise.all([
        runtime.runPromise(reconcilePendingPayments({ olderThanSeconds: -60, limit: 100 })),
        other.runPromise(reconcilePendingPayments({ olderThanSeconds: -60, limit: 100 })),
        runtime.runPromise(handleMidtransNotification(signed(transactionId, "settlement", "20000.00"), {}))
      ])
      expect(runs.slice(0, 2).filter((r) => (r as { ran: boolean }).ran).length).toBeGreaterThanOrEqual(1)
      expect(await balance()).toBe(100_000)
      const payment = await runtime.runPromise(Effect.flatMap(PaymentQueries, (q) => q.find(transactionId)))
      expect(payment!.status).toBe("SETTLED")
    } finally {
      await other.dispose()
    }
  })

  it("the leader lock excludes a second holder while the first runs", async () => {
    const order: Array<string> = []
    const other = makeRuntime()
    try {
      // The first holder signals once it runs, then waits for the second attempt to be over.
      let started!: () => void
      const running = new Promise<void>((resolve) => (started = resolve))
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      const firstJob = Effect.sync(() => started()).pipe(
        Effect.zipRight(Effect.promise(() => released)),
        Effect.tap(() => Effect.sync(() => order.push("first")))
      )
      const slow = runtime.runPromise(Effect.flatMap(LeaderLock, (l) => l.runIfLeader("test.job", firstJob)))
      await running
      const second = await other.runPromise(
        Effect.flatMap(LeaderLock, (l) =>
          l.runIfLeader(
            "test.job",
            Effect.sync(() => order.push("second"))
          )
        )
      )
      release()
      expect(second).toBe(false)
      expect(await slow).toBe(true)
      expect(order).toEqual(["first"])
    } finally {
      await other.dispose()
    }
  })

  it("a Snap failure marks the top-up failed and moves no money", async () => {
    fake.behave({ kind: "status", status: 500, body: { status_code: "500" } })
    try {
      const exit = await runtime.runPromiseExit(requestTopUp({ userId, amount: 30_000, paymentMethod: "QRIS" }, {}))
      expect(exit._tag).toBe("Failure")
      const [row] = await db.sql<
        Array<{ status: string; gateway_status: string }>
      >`select status, gateway_status from payments order by position desc limit 1`
      expect(row).toEqual({ status: "FAILED", gateway_status: "snap_failed" })
      expect(await balance()).toBe(100_000)
    } finally {
      fake.behave({ kind: "ok" })
    }
  })

  it("with the status API down or hanging, a signed settlement is refused (Midtrans retries) and moves no money; the retry credits once", async () => {
    const before = await balance()
    const { transactionId } = await runtime.runPromise(
      requestTopUp({ userId, amount: 15_000, paymentMethod: "QRIS" }, {})
    )
    fake.transactions.get(transactionId)!["transaction_status"] = "settlement"
    for (const outage of [{ kind: "status", status: 503, body: { status_code: "503" } }, { kind: "hang" }] as const) {
      fake.behave(outage)
      try {
        const exit = await runtime.runPromiseExit(
          handleMidtransNotification(signed(transactionId, "settlement", "15000.00"), {})
        )
        expect(exit._tag === "Failure" && JSON.stringify(exit.cause)).toContain("GatewayUnavailable")
      } finally {
        fake.behave({ kind: "ok" })
      }
      expect(await balance()).toBe(before)
    }
    const retried = await runtime.runPromise(
      handleMidtransNotification(signed(transactionId, "settlement", "15000.00"), {})
    )
    expect(retried.applied).toBe(true)
    expect(await balance()).toBe(before + 15_000)
    expect(
      (await runtime.runPromise(handleMidtransNotification(signed(transactionId, "settlement", "15000.00"), {})))
        .applied
    ).toBe(false)
    expect(await balance()).toBe(before + 15_000)
  })

  it("when the status API does not know the order, only what the signature vouches for applies: a settlement, never a refund", async () => {
    const before = await balance()
    const { transactionId } = await runtime.runPromise(
      requestTopUp({ userId, amount: 12_000, paymentMethod: "QRIS" }, {})
    )
    fake.transactions.delete(transactionId)
    const refund = await runtime.runPromise(handleMidtransNotification(signed(transactionId, "refund", "12000.00"), {}))
    expect(refund.applied).toBe(false)
    expect(await balance()).toBe(before)
    const settlement = await runtime.runPromise(
      handleMidtransNotification(signed(transactionId, "settlement", "12000.00"), {})
    )
    expect(settlement.applied).toBe(true)
    expect(await balance()).toBe(before + 12_000)
  })
})
