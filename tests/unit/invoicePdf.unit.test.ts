import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { InvoicePdfKit, rupiah } from "../../adapters/pdf/invoicePdf.ts"
import { type BillingDocument, InvoicePdf } from "../../application/ports/invoices.ts"
import { parsePdf } from "../support/pdfText.ts"

const seller = {
  name: "PT Minis Pod Indonesia",
  address: "Jl. Sudirman 1, Jakarta",
  email: "billing@minispod.example",
  taxId: "01.234.567.8-901.000"
}

const invoice: BillingDocument = {
  number: "INV-2026-000042",
  series: "INV",
  year: 2026,
  sequence: 42,
  userId: "11111111-0000-4000-8000-000000000001",
  buyer: { name: "Ayu Lestari", email: "ayu@example.com", phone: "+6281234567890" },
  transactionId: "TXMP-1234",
  correctsNumber: null,
  correctsTransactionId: null,
  creditNotes: [],
  subscriptionId: "22222222-0000-4000-8000-000000000001",
  plan: { id: "90000000-0000-4000-8000-000000000004", name: "Ghost Basic", serviceName: "Ghost" },
  description: "First month, 2026-03-01 – 2026-04-01",
  lines: [
    { description: "First month, 2026-03-01 – 2026-04-01", quantity: 1, unitPrice: 1_250_000, amount: 1_250_000 },
    { description: "Coupon HEMAT20", quantity: 1, unitPrice: -250_000, amount: -250_000 }
  ],
  subtotal: 1_250_000,
  discount: 250_000,
  total: 1_000_000,
  currency: "IDR",
  issuedAt: "2026-03-01T08:30:00.000Z",
  position: 99
}

const render = (document: BillingDocument) =>
  Effect.runPromise(Effect.flatMap(InvoicePdf, (p) => p.render(document, seller)).pipe(Effect.provide(InvoicePdfKit)))

describe("invoice PDF (pdfkit), read back with PDF.js", () => {
  it("formats rupiah the Indonesian way", () => {
    expect(rupiah(1_250_000)).toBe("Rp 1.250.000")
    expect(rupiah(-250_000)).toBe("-Rp 250.000")
    expect(rupiah(0)).toBe("Rp 0")
  })

  it("an invoice parses to one page holding its number, parties, lines and totals", async () => {
    const bytes = await render(invoice)
    expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe("%PDF-")
    const pdf = await parsePdf(bytes)
    expect(pdf.pages).toBe(1)
    expect(pdf.info["Title"]).toBe("Invoice INV-2026-000042")
    for (const text of [
      "INVOICE",
      "Number: INV-2026-000042",
      "Issued: 2026-03-01",
      "Transaction: TXMP-1234",
      seller.name,
      seller.address,
      `Tax ID (NPWP): ${seller.taxId}`,
      "Ayu Lestari",
      "ayu@example.com",
      "Service: Ghost - Ghost Basic",
      "Coupon HEMAT20"
    ]) {
      expect(pdf.lines).toContain(text)
    }
    // The totals column, in order: the lines, then subtotal, discount and total.
    const amounts = pdf.lines.filter((l) => /^-?Rp /.test(l))
    expect(amounts).toEqual([
      "Rp 1.250.000",
      "Rp 1.250.000",
      "-Rp 250.000",
      "-Rp 250.000",
      "Rp 1.250.000",
      "-Rp 250.000",
      "Rp 1.000.000"
    ])
  })

  it("a credit note names the invoice it corrects; the same document renders to the same bytes", async () => {
    const note: BillingDocument = {
      ...invoice,
      number: "CN-2026-000007",
      series: "CN",
      sequence: 7,
      correctsNumber: "INV-2026-000042",
      correctsTransactionId: "TXMP-1234",
      transactionId: "TXMP-1300",
      lines: [{ description: "Cancellation: moving away", quantity: 1, unitPrice: 400_000, amount: 400_000 }],
      subtotal: 400_000,
      discount: 0,
      total: 400_000
    }
    const bytes = await render(note)
    const pdf = await parsePdf(bytes)
    expect(pdf.lines).toEqual(
      expect.arrayContaining([
        "CREDIT NOTE",
        "Number: CN-2026-000007",
        "Corrects invoice: INV-2026-000042",
        "Credit to",
        "Total credited (IDR)"
      ])
    )
    expect(pdf.lines.filter((l) => /^-?Rp /.test(l)).at(-1)).toBe("Rp 400.000")
    expect(Buffer.from(await render(note)).equals(Buffer.from(bytes))).toBe(true)
  })
})
