import type { Aggregate } from "../shared/index.ts"
import { PaymentEvent } from "./events.ts"
import { evolvePayment } from "./evolve.ts"
import { newPayment, type PaymentState } from "./state.ts"

/** payment-<orderId>: one top-up's state machine. */
export const paymentAggregate: Aggregate<PaymentState, PaymentEvent> = {
  event: PaymentEvent,
  initial: newPayment,
  evolve: evolvePayment
}
