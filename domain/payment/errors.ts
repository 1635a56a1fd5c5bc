import { Schema } from "effect"

export class InvalidPaymentTransition extends Schema.TaggedError<InvalidPaymentTransition>()(
  "InvalidPaymentTransition",
  {
    orderId: Schema.String,
    status: Schema.String,
    attempted: Schema.String
  }
) {}

export class GatewayAmountMismatch extends Schema.TaggedError<GatewayAmountMismatch>()("GatewayAmountMismatch", {
  orderId: Schema.String,
  expected: Schema.Number,
  reported: Schema.Number
}) {}

export type PaymentError = InvalidPaymentTransition | GatewayAmountMismatch
