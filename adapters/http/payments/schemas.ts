import { Schema } from "effect"
import { PaymentMethod } from "../../../domain/payment/index.ts"
import { minimumTopUpMessage } from "../errors.ts"

export const topUpLimits = { min: 10_000, max: 10_000_000 } as const

export const TopUpBody = Schema.Struct({
  amount: Schema.Int.pipe(
    Schema.greaterThanOrEqualTo(topUpLimits.min, { message: () => minimumTopUpMessage }),
    Schema.lessThanOrEqualTo(topUpLimits.max, { message: () => `must be at most ${topUpLimits.max}` })
  ),
  paymentMethod: PaymentMethod
})

const GatewayField = (max: number) => Schema.String.pipe(Schema.minLength(1), Schema.maxLength(max))

/** A Midtrans notification: the fields we use; everything else Midtrans sends is ignored. */
export const MidtransNotificationBody = Schema.Struct({
  order_id: GatewayField(64),
  status_code: GatewayField(3),
  gross_amount: GatewayField(32),
  signature_key: GatewayField(256),
  transaction_status: GatewayField(32),
  fraud_status: Schema.optional(GatewayField(32)),
  refund_amount: Schema.optional(GatewayField(32)),
  refund_key: Schema.optional(GatewayField(128))
})
