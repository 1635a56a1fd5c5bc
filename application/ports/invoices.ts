import { Context, type Effect } from "effect"
import type { DocumentSeries } from "../invoices/invoiceDrafts.ts"

export interface DocumentLine {
  readonly description: string
  readonly quantity: number
  /** Integer rupiah; a discount line is negative. */
  readonly unitPrice: number
  readonly amount: number
}

/** An issued invoice or credit note as stored (immutable once issued). */
export interface BillingDocument {
  readonly number: string
  readonly series: DocumentSeries
  readonly year: number
  readonly sequence: number
  readonly userId: string
  readonly buyer: { readonly name: string | null; readonly email: string | null; readonly phone: string | null }
  readonly transactionId: string | null
  /** Credit notes: the invoice they correct and its charge. */
  readonly correctsNumber: string | null
  readonly correctsTransactionId: string | null
  /** Invoices: the credit notes issued against them. */
  readonly creditNotes: ReadonlyArray<string>
  readonly subscriptionId: string | null
  readonly plan: { readonly id: string; readonly name: string | null; readonly serviceName: string | null } | null
  readonly description: string
  readonly lines: ReadonlyArray<DocumentLine>
  readonly subtotal: number
  readonly discount: number
  readonly total: number
  readonly currency: "IDR"
  readonly issuedAt: string
  readonly position: number
}

export interface DocumentFilter {
  readonly page: number
  readonly limit: number
  readonly series?: DocumentSeries | undefined
}

/** A document's figures for the audit: totals per user and the numbering, as of its snapshot. */
export interface DocumentLedgerRow {
  readonly number: string
  readonly series: DocumentSeries
  readonly year: number
  readonly sequence: number
  readonly userId: string
  readonly transactionId: string | null
  readonly correctsTransactionId: string | null
  readonly total: number
}

export interface DocumentCounter {
  readonly series: DocumentSeries
  readonly year: number
  readonly lastNumber: number
}

export interface InvoiceQueriesService {
  /** A user's documents, newest first. */
  readonly list: (
    userId: string,
    filter: DocumentFilter
  ) => Effect.Effect<{ readonly items: ReadonlyArray<BillingDocument>; readonly total: number }>
  readonly byNumber: (number: string) => Effect.Effect<BillingDocument | undefined>
  readonly ledgerRows: Effect.Effect<ReadonlyArray<DocumentLedgerRow>>
  readonly counters: Effect.Effect<ReadonlyArray<DocumentCounter>>
}

export class InvoiceQueries extends Context.Tag("app/InvoiceQueries")<InvoiceQueries, InvoiceQueriesService>() {}

/** Who issues the documents (configuration; printed on every invoice and credit note). */
export interface SellerDetails {
  readonly name: string
  readonly address: string
  readonly email: string
  readonly taxId: string
}

export class InvoiceSeller extends Context.Tag("app/InvoiceSeller")<InvoiceSeller, SellerDetails>() {}

/** Renders a document with its seller as a PDF file. */
export interface InvoicePdfService {
  readonly render: (document: BillingDocument, seller: SellerDetails) => Effect.Effect<Uint8Array>
}

export class InvoicePdf extends Context.Tag("app/InvoicePdf")<InvoicePdf, InvoicePdfService>() {}
