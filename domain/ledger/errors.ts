import { Schema } from "effect"

export class InsufficientCredit extends Schema.TaggedError<InsufficientCredit>()("InsufficientCredit", {
  required: Schema.Number,
  available: Schema.Number,
  shortfall: Schema.Number
}) {}

export class ChargeNotFound extends Schema.TaggedError<ChargeNotFound>()("ChargeNotFound", {
  chargeTransactionId: Schema.String
}) {}

export class RefundExceedsCharge extends Schema.TaggedError<RefundExceedsCharge>()("RefundExceedsCharge", {
  chargeTransactionId: Schema.String,
  requested: Schema.Number,
  refundable: Schema.Number
}) {}

/** A command that no valid request can produce (the edge validates first); decide still refuses it. */
export class InvalidLedgerCommand extends Schema.TaggedError<InvalidLedgerCommand>()("InvalidLedgerCommand", {
  field: Schema.String,
  problem: Schema.String
}) {}

export type WalletError = InsufficientCredit | ChargeNotFound | RefundExceedsCharge | InvalidLedgerCommand
