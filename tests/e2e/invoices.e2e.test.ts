import { describe, expect, it } from "vitest"
import { serverForFile } from "../support/e2eServer.ts"
import { parsePdf } from "../support/pdfText.ts"
import { type Api, customer, type StartedServer } from "../support/server.ts"

const n8nBasic = "90000000-0000-4000-8000-000000000002"
const n8nPro = "90000000-0000-4000-8000-000000000003"

let server: StartedServer
let http: Api
let admin: string

serverForFile(
  {
    JWT_SECRET: "invoices-e2e-secret-invoices-e2e-secret",
    SIM_CLUSTER_READY_MS: "600000",
    INVOICE_SELLER_NAME: "PT Minis Pod Indonesia",
    INVOICE_SELLER_TAX_ID: "01.234.567.8-901.000"
  },
  (world) => ({ server, http, admin } = world)
)

/** A PDF download, as bytes (the JSON client would decode it as text). */
const download = async (path: string, token: string) => {
  const response = await fetch(`${server.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    disposition: response.headers.get("content-disposition"),
    bytes: new Uint8Array(await response.arrayBuffer())
  }
}

describe("invoices and credit notes over HTTP", () => {
  it("subscribe, upgrade, cancel: two invoices and credit notes listed, readable as JSON and PDF; another user's is a 404; admins read any", async () => {
    const user = await customer(http, admin, "invoiced", 500_000)
    const other = await customer(http, admin, "nosy", 0)
    const sub = (await http.post("/api/subscriptions", { planId: n8nBasic }, user.token)).body.data
    const upgraded = await http.put(`/api/subscriptions/${sub.id}/upgrade`, { newPlanId: n8nPro }, user.token)
    expect(upgraded.status).toBe(200)
    expect((await http.delete(`/api/subscriptions/${sub.id}`, user.token)).status).toBe(200)

    const list = await http.get("/api/wallet/invoices?limit=10", user.token)
    expect(list.status).toBe(200)
    const items: Array<any> = list.body.data.items
    expect(list.body.data.pagination).toEqual({ page: 1, limit: 10, total: items.length, totalPages: 1 })
    const invoices = items.filter((d) => d.type === "INVOICE")
    const notes = items.filter((d) => d.type === "CREDIT_NOTE")
    expect(invoices).toHaveLength(2)
    expect(notes.length).toBeGreaterThanOrEqual(1)
    for (const d of items) expect(d.number).toMatch(/^(INV|CN)-\d{4}-\d{6}$/)
    // Totals equal the ledger: what the wallet paid for charges, and got back from refunds.
    const ledger: Array<any> = (await http.get("/api/wallet/transactions?limit=100", user.token)).body.data.items
    const sum = (xs: Array<{ amount?: number; total?: number }>) =>
      xs.reduce((s, x) => s + (x.total ?? x.amount ?? 0), 0)
    expect(sum(invoices)).toBe(sum(ledger.filter((e) => e.type === "SUBSCRIPTION" || e.type === "UPGRADE")))
    expect(sum(notes)).toBe(sum(ledger.filter((e) => e.type === "REFUND")))
    for (const note of notes) expect(invoices.map((i) => i.number)).toContain(note.correctsNumber)

    const first = invoices.find((d) => d.plan.id === n8nBasic)
    expect(first).toMatchObject({
      currency: "IDR",
      total: 50_000,
      subtotal: 50_000,
      discount: 0,
      subscriptionId: sub.id,
      seller: { name: "PT Minis Pod Indonesia", taxId: "01.234.567.8-901.000", address: "Jakarta, Indonesia" },
      buyer: { userId: user.id, email: user.email, name: "Test invoiced" },
      plan: { name: "n8n Basic", serviceName: "n8n" },
      pdfUrl: `/api/wallet/invoices/${first.number}/pdf`
    })
    expect(first.creditNotes.length).toBeGreaterThanOrEqual(1)
    const onlyNotes = await http.get("/api/wallet/invoices?type=CREDIT_NOTE", user.token)
    expect(onlyNotes.body.data.items.map((d: { number: string }) => d.number)).toEqual(notes.map((d) => d.number))

    const one = await http.get(`/api/wallet/invoices/${first.number}`, user.token)
    expect(one.status).toBe(200)
    expect(one.body.data).toEqual(first)
    const pdf = await download(first.pdfUrl, user.token)
    expect(pdf).toMatchObject({
      status: 200,
      type: "application/pdf",
      disposition: `inline; filename="${first.number}.pdf"`
    })
    const parsed = await parsePdf(pdf.bytes)
    expect(parsed.lines).toEqual(
      expect.arrayContaining([`Number: ${first.number}`, "PT Minis Pod Indonesia", user.email, "Rp 50.000"])
    )
    expect(parsed.lines.filter((l) => /^-?Rp /.test(l)).at(-1)).toBe("Rp 50.000")

    // Another user's document is indistinguishable from none; a malformed number names the field.
    expect((await http.get(`/api/wallet/invoices/${first.number}`, other.token)).status).toBe(404)
    expect((await download(first.pdfUrl, other.token)).status).toBe(404)
    expect((await http.get("/api/wallet/invoices/INV-1999-000001", user.token)).body.error.code).toBe("NOT_FOUND")
    const bad = await http.get("/api/wallet/invoices/TXMP-1", user.token)
    expect(bad.status).toBe(400)
    expect(bad.body.error.details[0].field).toBe("params.number")
    expect((await http.get("/api/wallet/invoices", other.token)).body.data.items).toEqual([])
    expect((await http.get("/api/wallet/invoices")).status).toBe(401)

    // Administrators read anyone's; users cannot use the admin paths.
    const byUser = await http.get(`/api/admin/users/${user.id}/invoices?limit=10`, admin)
    expect(byUser.body.data.items.map((d: { number: string }) => d.number)).toEqual(items.map((d) => d.number))
    const adminOne = await http.get(`/api/admin/invoices/${first.number}`, admin)
    expect(adminOne.body.data).toMatchObject({
      number: first.number,
      total: 50_000,
      pdfUrl: `/api/admin/invoices/${first.number}/pdf`
    })
    const adminPdf = await download(`/api/admin/invoices/${first.number}/pdf`, admin)
    expect(adminPdf.status).toBe(200)
    expect((await parsePdf(adminPdf.bytes)).lines).toContain(`Number: ${first.number}`)
    expect((await http.get(`/api/admin/invoices/${first.number}`, user.token)).status).toBe(403)
    expect((await http.get(`/api/admin/users/00000000-0000-4000-8000-000000000000/invoices`, admin)).status).toBe(404)

    // The audit agrees: every charge and refund has its document, numbers without gaps.
    const audit = await http.get("/api/admin/audit/ledger", admin)
    expect(audit.body.data.problems).toEqual([])
    expect(audit.body.data.checked).toMatchObject({
      invoicedCharges: 2,
      creditedRefunds: notes.length,
      billingDocuments: items.length
    })
  })

  it("pages: newest first, limit ≤ 100", async () => {
    const user = await customer(http, admin, "pager", 1_000_000)
    for (const plan of [
      "90000000-0000-4000-8000-000000000004",
      "90000000-0000-4000-8000-000000000006",
      "90000000-0000-4000-8000-000000000008"
    ]) {
      expect((await http.post("/api/subscriptions", { planId: plan }, user.token)).status).toBe(201)
    }
    const page1 = (await http.get("/api/wallet/invoices?page=1&limit=2", user.token)).body.data
    const page2 = (await http.get("/api/wallet/invoices?page=2&limit=2", user.token)).body.data
    expect(page1.pagination).toEqual({ page: 1, limit: 2, total: 3, totalPages: 2 })
    expect(page2.items).toHaveLength(1)
    const numbers = [...page1.items, ...page2.items].map((d: { number: string }) => d.number)
    expect(numbers).toEqual([...numbers].sort().reverse())
    expect((await http.get("/api/wallet/invoices?limit=101", user.token)).status).toBe(400)
  })
})
