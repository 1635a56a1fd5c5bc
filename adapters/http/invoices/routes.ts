import { Effect, Schema } from "effect"
import {
  getDocument,
  listOwnDocuments,
  listUserDocuments,
  renderDocumentPdf,
  withSeller
} from "../../../application/invoices/useCases.ts"
import type { BillingDocument, SellerDetails } from "../../../application/ports/invoices.ts"
import { ok, route } from "../route.ts"
import { pageOf, Paginated, Rupiah } from "../responses.ts"
import { PageQuery, UserIdParams } from "../schemas.ts"

const DocumentType = Schema.Literal("INVOICE", "CREDIT_NOTE")
const seriesOf = { INVOICE: "INV", CREDIT_NOTE: "CN" } as const

export const DocumentNumberParams = Schema.Struct({
  number: Schema.String.pipe(
    Schema.pattern(/^(INV|CN)-\d{4}-\d{6,12}$/, {
      message: () => "must be a document number like INV-2026-000001 or CN-2026-000001"
    })
  )
})

export const DocumentsQuery = Schema.Struct({ ...PageQuery, type: Schema.optional(DocumentType) })

export const BillingDocumentView = Schema.Struct({
  number: Schema.String.annotations({ examples: ["INV-2026-000001"] }),
  type: DocumentType,
  issuedAt: Schema.String.annotations({ format: "date-time", description: "ISO-8601 UTC, from the charge's own time" }),
  currency: Schema.Literal("IDR"),
  seller: Schema.Struct({ name: Schema.String, address: Schema.String, email: Schema.String, taxId: Schema.String }),
  buyer: Schema.Struct({
    userId: Schema.String,
    name: Schema.NullOr(Schema.String),
    email: Schema.NullOr(Schema.String),
    phone: Schema.NullOr(Schema.String)
  }),
  transactionId: Schema.NullOr(Schema.String).annotations({
    description: "the ledger movement (TXMP-<n>); null for a grant at no charge"
  }),
  correctsNumber: Schema.NullOr(Schema.String).annotations({ description: "credit notes: the invoice they correct" }),
  creditNotes: Schema.Array(Schema.String).annotations({
    description: "invoices: the credit notes issued against them"
  }),
  subscriptionId: Schema.NullOr(Schema.String),
  plan: Schema.NullOr(
    Schema.Struct({ id: Schema.String, name: Schema.NullOr(Schema.String), serviceName: Schema.NullOr(Schema.String) })
  ),
  description: Schema.String,
  lines: Schema.Array(
    Schema.Struct({ description: Schema.String, quantity: Schema.Int, unitPrice: Rupiah, amount: Rupiah })
  ),
  subtotal: Rupiah,
  discount: Rupiah,
  total: Rupiah,
  pdfUrl: Schema.String
}).annotations({ identifier: "BillingDocument" })

const view = (d: BillingDocument & { readonly seller: SellerDetails }, pdfBase: string) => ({
  number: d.number,
  type: d.series === "INV" ? ("INVOICE" as const) : ("CREDIT_NOTE" as const),
  issuedAt: d.issuedAt,
  currency: d.currency,
  seller: d.seller,
  buyer: { userId: d.userId, ...d.buyer },
  transactionId: d.transactionId,
  correctsNumber: d.correctsNumber,
  creditNotes: d.creditNotes,
  subscriptionId: d.subscriptionId,
  plan: d.plan,
  description: d.description,
  lines: d.lines,
  subtotal: d.subtotal,
  discount: d.discount,
  total: d.total,
  pdfUrl: `${pdfBase}/${d.number}/pdf`
})

const filterOf = (query: typeof DocumentsQuery.Type) => ({
  page: query.page,
  limit: query.limit,
  series: query.type && seriesOf[query.type]
})

const listed = (
  page: { readonly items: ReadonlyArray<BillingDocument>; readonly total: number },
  query: typeof DocumentsQuery.Type,
  pdfBase: string
) =>
  Effect.map(Effect.forEach(page.items, withSeller), (items) =>
    ok(
      "Invoices",
      pageOf(
        items.map((d) => view(d, pdfBase)),
        page.total,
        query.page,
        query.limit
      )
    )
  )

const pdfReply = (rendered: { readonly document: BillingDocument; readonly pdf: Uint8Array }) => ({
  message: "PDF",
  data: null,
  raw: {
    contentType: "application/pdf",
    headers: {
      "Content-Disposition": `inline; filename="${rendered.document.number}.pdf"`,
      "Cache-Control": "private, no-store"
    },
    body: rendered.pdf
  }
})

const own = "/api/wallet/invoices"
const admin = "/api/admin/invoices"

export const invoiceRoutes = [
  route({
    method: "get",
    path: own,
    summary:
      "Your invoices (one per charge or free grant) and credit notes (one per refund), newest first; type filters",
    tag: "wallet",
    access: "user",
    response: Paginated(BillingDocumentView),
    query: DocumentsQuery,
    handle: ({ principal, query }) =>
      Effect.flatMap(listOwnDocuments(principal.userId, filterOf(query)), (page) => listed(page, query, own))
  }),
  route({
    method: "get",
    path: `${own}/:number`,
    summary: "One of your invoices or credit notes: seller, buyer, lines, discounts, totals in rupiah",
    tag: "wallet",
    access: "user",
    response: BillingDocumentView,
    params: DocumentNumberParams,
    handle: ({ principal, params }) =>
      Effect.map(Effect.flatMap(getDocument(params.number, principal.userId), withSeller), (d) =>
        ok("Invoice", view(d, own))
      )
  }),
  route({
    method: "get",
    path: `${own}/:number/pdf`,
    summary: "One of your invoices or credit notes as a PDF",
    tag: "wallet",
    access: "user",
    rawResponse: "application/pdf",
    params: DocumentNumberParams,
    handle: ({ principal, params }) => Effect.map(renderDocumentPdf(params.number, principal.userId), pdfReply)
  }),
  route({
    method: "get",
    path: "/api/admin/users/:id/invoices",
    summary: "A user's invoices and credit notes, newest first",
    tag: "admin",
    access: "admin",
    response: Paginated(BillingDocumentView),
    params: UserIdParams,
    query: DocumentsQuery,
    handle: ({ params, query }) =>
      Effect.flatMap(listUserDocuments(params.id, filterOf(query)), (page) => listed(page, query, admin))
  }),
  route({
    method: "get",
    path: `${admin}/:number`,
    summary: "Any user's invoice or credit note",
    tag: "admin",
    access: "admin",
    response: BillingDocumentView,
    params: DocumentNumberParams,
    handle: ({ params }) =>
      Effect.map(Effect.flatMap(getDocument(params.number, undefined), withSeller), (d) =>
        ok("Invoice", view(d, admin))
      )
  }),
  route({
    method: "get",
    path: `${admin}/:number/pdf`,
    summary: "Any user's invoice or credit note as a PDF",
    tag: "admin",
    access: "admin",
    rawResponse: "application/pdf",
    params: DocumentNumberParams,
    handle: ({ params }) => Effect.map(renderDocumentPdf(params.number, undefined), pdfReply)
  })
]
