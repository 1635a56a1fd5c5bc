import { Effect, Either } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { PaymentGatewayMidtrans } from "../../adapters/midtrans/gateway.ts"
import { midtransSignature } from "../../adapters/midtrans/signature.ts"
import { PaymentGateway } from "../../application/ports/paymentGateway.ts"
import { startFakeMidtrans } from "../support/fakeMidtrans.ts"

let fake: Awaited<ReturnType<typeof startFakeMidtrans>>
const serverKey = "SB-Mid-server-test-key"

beforeAll(async () => {
  fake = await startFakeMidtrans()
})
afterAll(() => fake.close())
beforeEach(() => fake.behave({ kind: "ok" }))

const gatewayOptions = {
  serverKey,
  clientKey: "SB-Mid-client-test",
  isProduction: false,
  coreBaseUrl: () => fake.url,
  snapBaseUrl: () => `${fake.url}/snap/v1`,
  timeoutMs: 300,
  callbacks: { finish: "https://app.example/topup/finish", unfinish: undefined, error: undefined },
  expiryMinutes: 60
}
const gateway = () => PaymentGatewayMidtrans(gatewayOptions)

const run = <A, E>(f: (g: PaymentGateway["Type"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.either(Effect.flatMap(PaymentGateway, f)).pipe(Effect.provide(gateway())))

const snapRequest = (orderId: string) => ({
  orderId,
  amount: 75_000,
  paymentMethod: "E_WALLET" as const,
  customer: { name: "Ayu", email: "ayu@example.com", phone: "+6281234567890" }
})

describe("Midtrans adapter (midtrans-client against a fake Midtrans over HTTP)", () => {
  it("creates a Snap transaction with the order, customer, item, method and callbacks, authenticated by the server key", async () => {
    const result = await run((g) => g.createSnap(snapRequest("TXMP-900")))
    expect(result).toEqual(Either.right({ token: "token-TXMP-900", redirectUrl: "https://fake/pay/TXMP-900" }))
    const request = fake.requests.at(-1)!
    expect(request.path).toBe("/snap/v1/transactions")
    expect(request.authorization).toBe(`Basic ${Buffer.from(`${serverKey}:`).toString("base64")}`)
    expect(request.body).toMatchObject({
      transaction_details: { order_id: "TXMP-900", gross_amount: 75_000 },
      item_details: [{ price: 75_000, quantity: 1 }],
      customer_details: { first_name: "Ayu", email: "ayu@example.com" },
      enabled_payments: ["gopay", "shopeepay"],
      callbacks: { finish: "https://app.example/topup/finish" }
    })
  })

  it("sends MIDTRANS_NOTIFICATION_URL as X-Override-Notification on each Snap creation, and nothing without it", async () => {
    const notifying = PaymentGatewayMidtrans({
      ...gatewayOptions,
      notificationUrl: "https://staging.example/api/webhooks/midtrans/notification"
    })
    for (const orderId of ["TXMP-910", "TXMP-911"]) {
      await Effect.runPromise(
        Effect.flatMap(PaymentGateway, (g) => g.createSnap(snapRequest(orderId))).pipe(Effect.provide(notifying))
      )
      expect(fake.requests.at(-1)).toMatchObject({
        path: "/snap/v1/transactions",
        overrideNotification: "https://staging.example/api/webhooks/midtrans/notification"
      })
    }
    await run((g) => g.createSnap(snapRequest("TXMP-912")))
    expect(fake.requests.at(-1)!.overrideNotification).toBeUndefined()
  })

  it("reads a transaction's status, and an unknown order as undefined", async () => {
    await run((g) => g.createSnap(snapRequest("TXMP-901")))
    const known = await run((g) => g.status("TXMP-901"))
    expect(Either.getOrThrow(known)).toMatchObject({
      orderId: "TXMP-901",
      transactionStatus: "pending",
      grossAmount: "75000.00"
    })
    expect(await run((g) => g.status("TXMP-404"))).toEqual(Either.right(undefined))
  })

  it("cancels a transaction", async () => {
    await run((g) => g.createSnap(snapRequest("TXMP-902")))
    expect(Either.isRight(await run((g) => g.cancel("TXMP-902")))).toBe(true)
    expect(fake.transactions.get("TXMP-902")!["transaction_status"]).toBe("cancel")
  })

  it("maps gateway errors: 4xx rejected, 5xx and timeouts unavailable", async () => {
    fake.behave({ kind: "status", status: 401, body: { error_messages: ["Access denied"] } })
    const rejected = await run((g) => g.createSnap(snapRequest("TXMP-903")))
    expect(Either.isLeft(rejected) && rejected.left).toMatchObject({ _tag: "GatewayRejected", statusCode: 401 })
    fake.behave({ kind: "status", status: 503, body: { status_code: "503" } })
    const down = await run((g) => g.status("TXMP-903"))
    expect(Either.isLeft(down) && down.left._tag).toBe("GatewayUnavailable")
    fake.behave({ kind: "hang" })
    const slow = await run((g) => g.createSnap(snapRequest("TXMP-904")))
    expect(Either.isLeft(slow) && slow.left._tag).toBe("GatewayUnavailable")
  })

  it("accepts only the signature of these exact fields under the server key (one changed character, another amount or a short key is refused)", async () => {
    const fields = { orderId: "TXMP-905", statusCode: "200", grossAmount: "75000.00" }
    const good = midtransSignature(fields.orderId, fields.statusCode, fields.grossAmount, serverKey)
    expect(await run((g) => g.verifySignature({ ...fields, signatureKey: good }))).toEqual(Either.right(true))
    expect(
      await run((g) =>
        g.verifySignature({
          ...fields,
          signatureKey: good.replace(/.$/, "0") === good ? good.replace(/.$/, "1") : good.replace(/.$/, "0")
        })
      )
    ).toEqual(Either.right(false))
    expect(await run((g) => g.verifySignature({ ...fields, grossAmount: "75001.00", signatureKey: good }))).toEqual(
      Either.right(false)
    )
    expect(await run((g) => g.verifySignature({ ...fields, signatureKey: "short" }))).toEqual(Either.right(false))
  })
})
