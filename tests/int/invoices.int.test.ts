import { Clock, Effect, Either, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ClusterMemory } from "../../adapters/memory/cluster.ts"
import { InvoicePdfKit } from "../../adapters/pdf/invoicePdf.ts"
import { auditLedger } from "../../application/audit/ledgerAudit.ts"
import { setPlanQuota } from "../../application/catalog/useCases.ts"
import { renderDocumentPdf } from "../../application/invoices/useCases.ts"
import { creditTopUp, refundCharge } from "../../application/ledger/useCases.ts"
import { Coupons } from "../../application/ports/coupons.ts"
import { type BillingDocument, InvoiceQueries, InvoiceSeller } from "../../application/ports/invoices.ts"
import { processRenewals, RenewalPolicy } from "../../application/renewals/useCases.ts"
import { ProvisioningPolicy } from "../../application/subscription/naming.ts"
import { subscribe } from "../../application/subscription/useCases.ts"
import { postgresLayer } from "../../infra/layers.ts"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { system } from "../support/ledgerMother.ts"
import { parsePdf } from "../support/pdfText.ts"

const n8nBasic = "90000000-0000-4000-8000-000000000002" // 50,000 a month
const ghostBasic = "90000000-0000-4000-8000-000000000004" // 75,000 a month
const seller = {
  name: "PT Minis Pod Indonesia",
  address: "Jl. Sudirman 1, Jakarta",
  email: "billing@minispod.example",
  taxId: "01.234.567.8-901.000"
}

let db: TestDatabase
const makeRuntime = (url: string) =>
  ManagedRuntime.make(
    Layer.mergeAll(
      postgresLayer(url, 60),
      InvoicePdfKit,
      Layer.succeed(InvoiceSeller, seller),
      Layer.succeed(RenewalPolicy, { retentionDays: 30 }),
      // Renewals suspend the other tests' unpaid subscriptions through the cluster.
      ClusterMemory(),
      Layer.succeed(ProvisioningPolicy, { baseDomain: "apps.test", timeoutSeconds: 300, namespacePrefix: "user-" })
    )
  )
let runtime: ReturnType<typeof makeRuntime>

beforeAll(async () => {
  db = await createTestDatabase({ audited: false }) // the audit test below deletes an invoice for good
  runtime = makeRuntime(db.url)
})
afterAll(async () => {
  await runtime.dispose()
  await db.drop()
})

/** The Clock standing still at one instant: the year on a document must come from here. */
const clockAt = (iso: string): Clock.Clock => {
  const ms = Date.parse(iso)
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => ms,
    currentTimeMillis: Effect.succeed(ms),
    unsafeCurrentTimeNanos: () => BigInt(ms) * 1_000_000n,
    currentTimeNanos: Effect.succeed(BigInt(ms) * 1_000_000n),
    sleep: () => Effect.void
  }
}
const at = <A, E>(iso: string, effect: Effect.Effect<A, E, any>) =>
  runtime.runPromise(Effect.withClock(effect, clockAt(iso)) as Effect.Effect<A, E, never>)
const run = <A, E>(effect: Effect.Effect<A, E, any>) => runtime.runPromise(effect as Effect.Effect<A, E, never>)

const user = (group: number, i: number) =>
  `${String(group).padStart(8, "0")}-0000-4000-8000-${String(i).padStart(12, "0")}`
const register = (id: string, name: string) =>
  db.sql`insert into users (id, name, email, role, password_hash, created_at, updated_at)
    values (${id}, ${name}, ${`${id}@example.com`}, 'USER', 'x', now(), now())`
const fund = (userId: string, amount: number) =>
  run(creditTopUp({ userId, paymentReference: `fund-${userId}-${amount}`, amount }, system))
const documentsOf = async (userId: string): Promise<ReadonlyArray<BillingDocument>> =>
  (await run(Effect.flatMap(InvoiceQueries, (q) => q.list(userId, { page: 1, limit: 100 })))).items

describe("invoices on Postgres", () => {
  it("50 concurrent subscribes (and 10 refused for credit) number INV-2031-000001..000050 without a gap, each its charge", async () => {
    await run(setPlanQuota("admin", n8nBasic, 200))
    const paying = Array.from({ length: 50 }, (_, i) => user(1, i))
    const broke = Array.from({ length: 10 }, (_, i) => user(2, i))
    await Promise.all([...paying, ...broke].map((u, i) => register(u, `Customer ${i}`)))
    await Promise.all(paying.map((u) => fund(u, 60_000)))
    const results = await Promise.all(
      [...paying, ...broke].map((u) =>
        at("2031-06-01T10:00:00.000Z", Effect.either(subscribe({ userId: u, planId: n8nBasic }, system)))
      )
    )
    expect(results.filter(Either.isRight)).toHaveLength(50)
    expect(results.filter(Either.isLeft).map((r) => r.left._tag)).toEqual(Array(10).fill("InsufficientCredit"))

    const rows = await db.sql<
      Array<{ number: string; sequence: number; user_id: string; transaction_id: string; total: number }>
    >`
      select number, sequence, user_id, transaction_id, total from billing_documents where series = 'INV' and year = 2031 order by sequence`
    expect(rows.map((r) => r.sequence)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    expect(rows[0]!.number).toBe("INV-2031-000001")
    expect(rows[49]!.number).toBe("INV-2031-000050")
    expect(new Set(rows.map((r) => r.user_id))).toEqual(new Set(paying))
    expect(rows.every((r) => r.total === 50_000)).toBe(true)
    const charges = await db.sql<
      Array<{ transaction_id: string }>
    >`select transaction_id from ledger_entries where type = 'SUBSCRIPTION'`
    expect(new Set(rows.map((r) => r.transaction_id))).toEqual(new Set(charges.map((c) => c.transaction_id)))
    expect(await db.sql`select last_number from document_counters where series = 'INV' and year = 2031`).toEqual([
      { last_number: 50 }
    ])
    // The buyer as registered, the plan by name.
    const [mine] = await documentsOf(paying[0]!)
    expect(mine).toMatchObject({
      buyer: { name: "Customer 0", email: `${paying[0]}@example.com` },
      plan: { id: n8nBasic, name: "n8n Basic", serviceName: "n8n" },
      subtotal: 50_000,
      discount: 0,
      total: 50_000
    })
  })

  it("the year is the charge's (the Clock's): the last second of a year and the first of the next", async () => {
    const [a, b] = [user(3, 1), user(3, 2)]
    await Promise.all([register(a, "Late"), register(b, "Early")])
    await Promise.all([fund(a, 100_000), fund(b, 100_000)])
    await at("2032-12-31T23:59:59.000Z", subscribe({ userId: a, planId: ghostBasic }, system))
    await at("2033-01-01T00:00:00.000Z", subscribe({ userId: b, planId: ghostBasic }, system))
    expect((await documentsOf(a)).map((d) => [d.number, d.issuedAt])).toEqual([
      ["INV-2032-000001", "2032-12-31T23:59:59.000Z"]
    ])
    expect((await documentsOf(b)).map((d) => d.number)).toEqual(["INV-2033-000001"])
  })

  it("a discount coupon, a bonus, a FREE_SERVICE coupon and its free renewal, then a refund: lines, 0-rupiah grants, a credit note naming its invoice", async () => {
    const coupons = (input: Parameters<Coupons["Type"]["create"]>[2], id: string) =>
      run(Effect.flatMap(Coupons, (c) => c.create("admin", id, input)))
    await coupons(
      { code: "HEMAT20", name: "20 % off", type: "SUBSCRIPTION_DISCOUNT", value: 20, discountKind: "PERCENT" },
      "66666666-0000-4000-8000-000000000001"
    )
    await coupons(
      { code: "FREE2", name: "Two free months", type: "FREE_SERVICE", value: 0, freePlanId: ghostBasic, freeMonths: 2 },
      "66666666-0000-4000-8000-000000000002"
    )
    const [u, v] = [user(4, 1), user(4, 2)]
    await Promise.all([register(u, "Ayu Lestari"), register(v, "Budi")])
    await fund(u, 200_000)
    const day = "2034-03-01T08:00:00.000Z"
    const discounted = await at(day, subscribe({ userId: u, planId: n8nBasic, couponCode: "HEMAT20" }, system))
    await at(day, subscribe({ userId: u, planId: ghostBasic, bonus: true }, system))
    const free = await at(day, subscribe({ userId: v, planId: ghostBasic, couponCode: "FREE2" }, system))
    const renewed = await at("2034-04-02T08:00:00.000Z", processRenewals())
    expect(renewed.renewed).toBeGreaterThanOrEqual(1)

    const docs = [...(await documentsOf(u)), ...(await documentsOf(v))]
    const find = (subscriptionId: string, description: string) =>
      docs.find((d) => d.subscriptionId === subscriptionId && d.description.startsWith(description))
    const coupon = find(discounted.id, "First month")
    expect(coupon).toMatchObject({
      number: "INV-2034-000001",
      subtotal: 50_000,
      discount: 10_000,
      total: 40_000,
      lines: [
        { description: "First month, 2034-03-01 – 2034-04-01", quantity: 1, unitPrice: 50_000, amount: 50_000 },
        { description: "Coupon HEMAT20", quantity: 1, unitPrice: -10_000, amount: -10_000 }
      ]
    })
    expect(coupon!.transactionId).toMatch(/^TXMP-\d+$/)
    // The renewal charged the plan's full price (the discount was for the first month).
    expect(find(discounted.id, "Renewal")).toMatchObject({
      subtotal: 50_000,
      discount: 0,
      total: 50_000,
      transactionId: expect.stringMatching(/^TXMP-/)
    })
    const bonus = docs.find(
      (d) => d.plan?.id === ghostBasic && d.userId === u && d.description.startsWith("First month")
    )
    expect(bonus).toMatchObject({
      number: "INV-2034-000002",
      transactionId: null,
      subtotal: 75_000,
      discount: 75_000,
      total: 0,
      lines: [{ amount: 75_000 }, { amount: -75_000, description: expect.stringContaining("Bonus") }]
    })
    expect(find(free.id, "First month")).toMatchObject({
      number: "INV-2034-000003",
      total: 0,
      lines: [{ amount: 75_000 }, { amount: -75_000, description: "Coupon FREE2: free month (100 % discount)" }]
    })
    // A free month: no wallet movement, priced from the subscription, the owner found from it.
    expect(find(free.id, "Renewal")).toMatchObject({
      userId: v,
      buyer: { name: "Budi" },
      transactionId: null,
      total: 0,
      subtotal: 75_000,
      discount: 75_000,
      plan: { name: "Ghost Basic" },
      description: "Renewal, 2034-04-01 – 2034-05-01"
    })
    const numbers2034 = (
      await db.sql<
        Array<{ sequence: number }>
      >`select sequence from billing_documents where series = 'INV' and year = 2034 order by sequence`
    ).map((r) => r.sequence)
    expect(numbers2034).toEqual(Array.from({ length: numbers2034.length }, (_, i) => i + 1))

    await at(
      "2034-03-10T00:00:00.000Z",
      refundCharge(
        {
          userId: u,
          chargeTransactionId: coupon!.transactionId!,
          amount: 15_000,
          reason: "goodwill",
          reference: "goodwill-1"
        },
        system
      )
    )
    const note = (await documentsOf(u)).find((d) => d.series === "CN")
    expect(note).toMatchObject({
      number: "CN-2034-000001",
      correctsNumber: "INV-2034-000001",
      correctsTransactionId: coupon!.transactionId,
      total: 15_000,
      subscriptionId: discounted.id,
      plan: { name: "n8n Basic" },
      buyer: { name: "Ayu Lestari" },
      lines: [{ description: "goodwill", amount: 15_000 }]
    })
    expect((await documentsOf(u)).find((d) => d.number === "INV-2034-000001")!.creditNotes).toEqual(["CN-2034-000001"])

    // The invoice as a PDF, read back: the parties, the coupon line and the totals.
    const { pdf } = await run(renderDocumentPdf("INV-2034-000001", u))
    const parsed = await parsePdf(pdf)
    expect(parsed.lines).toEqual(
      expect.arrayContaining([
        "INVOICE",
        "Number: INV-2034-000001",
        seller.name,
        "Ayu Lestari",
        "Service: n8n - n8n Basic",
        "Coupon HEMAT20",
        "Total (IDR)"
      ])
    )
    expect(parsed.lines.filter((l) => /^-?Rp /.test(l)).slice(-3)).toEqual(["Rp 50.000", "-Rp 10.000", "Rp 40.000"])
    const another = await run(Effect.either(renderDocumentPdf("INV-2034-000001", v)))
    expect(Either.isLeft(another) && another.left._tag).toBe("InvoiceNotFound")
  })

  it("the audit: invoice and credit-note totals equal the ledger's charges and refunds; a lost invoice is found, with the gap it leaves", async () => {
    const clean = await run(auditLedger())
    expect(clean.report.problems).toEqual([])
    const charges = (
      await db.sql<
        [{ n: number }]
      >`select count(*)::int as n from ledger_entries where type in ('SUBSCRIPTION', 'UPGRADE') and amount > 0`
    )[0].n
    const refunds = (
      await db.sql<[{ n: number }]>`select count(*)::int as n from ledger_entries where type = 'REFUND'`
    )[0].n
    expect(clean.report.checked).toMatchObject({ invoicedCharges: charges, creditedRefunds: refunds })
    expect(charges).toBeGreaterThan(50)

    const [lost] = await db.sql<Array<{ number: string; user_id: string; transaction_id: string }>>`
      delete from billing_documents where number = 'INV-2031-000017' returning number, user_id, transaction_id`
    const broken = await run(auditLedger())
    expect(broken.report.ok).toBe(false)
    expect(broken.report.problems.map((p) => p.problem)).toEqual(
      expect.arrayContaining([
        `charge ${lost!.transaction_id} has no invoice`,
        "invoices total 0, the ledger's charges 50000",
        "INV-2031: number 17 is missing",
        "INV-2031: the counter stands at 50 but 49 documents are numbered"
      ])
    )
    // A refund of a charge without an invoice (as one made by a replica of the previous version
    // during a rolling deploy) still goes through, with a credit note naming the charge only.
    await at(
      "2031-07-01T00:00:00.000Z",
      refundCharge(
        {
          userId: lost!.user_id,
          chargeTransactionId: lost!.transaction_id,
          amount: 5_000,
          reason: "late refund",
          reference: "late-1"
        },
        system
      )
    )
    const [note] = (await documentsOf(lost!.user_id)).filter((d) => d.series === "CN")
    expect(note).toMatchObject({
      number: "CN-2031-000001",
      correctsNumber: null,
      correctsTransactionId: lost!.transaction_id,
      total: 5_000
    })
  })
})
