import { Schema } from "effect"

/** No such invoice or credit note, or (for a user) not theirs: the two are indistinguishable. */
export class InvoiceNotFound extends Schema.TaggedError<InvoiceNotFound>()("InvoiceNotFound", {
  number: Schema.String
}) {}
