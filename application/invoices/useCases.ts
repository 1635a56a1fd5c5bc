import { Effect } from "effect"
import {
  type BillingDocument,
  type DocumentFilter,
  InvoicePdf,
  InvoiceQueries,
  InvoiceSeller
} from "../ports/invoices.ts"
import { Users } from "../ports/users.ts"
import { UserNotFound } from "../shared/errors.ts"
import { InvoiceNotFound } from "./errors.ts"

/** A document with its seller: what the JSON view and the PDF show. */
export const withSeller = Effect.fn("Invoices.withSeller")(function* (document: BillingDocument) {
  return { ...document, seller: yield* InvoiceSeller }
})

/** The caller's invoices and credit notes, newest first. */
export const listOwnDocuments = Effect.fn("Invoices.listOwn")(function* (userId: string, filter: DocumentFilter) {
  return yield* (yield* InvoiceQueries).list(userId, filter)
})

/** Any user's documents (administrators); an unknown user is a 404, not an empty list. */
export const listUserDocuments = Effect.fn("Invoices.listOfUser")(function* (userId: string, filter: DocumentFilter) {
  const user = yield* (yield* Users).findById(userId)
  if (user === undefined) return yield* new UserNotFound({ userId })
  return yield* (yield* InvoiceQueries).list(userId, filter)
})

/** One document; `ownerId` set: only the owner's (another user's is indistinguishable from none). */
export const getDocument = Effect.fn("Invoices.get")(function* (number: string, ownerId: string | undefined) {
  const document = yield* (yield* InvoiceQueries).byNumber(number)
  if (document === undefined || (ownerId !== undefined && document.userId !== ownerId))
    return yield* new InvoiceNotFound({ number })
  return document
})

export const renderDocumentPdf = Effect.fn("Invoices.renderPdf")(function* (
  number: string,
  ownerId: string | undefined
) {
  const document = yield* getDocument(number, ownerId)
  return { document, pdf: yield* (yield* InvoicePdf).render(document, yield* InvoiceSeller) }
})
