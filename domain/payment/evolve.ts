import type { PaymentEvent } from "./events.ts"
import type { PaymentState } from "./state.ts"

export const evolvePayment = (state: PaymentState, event: PaymentEvent): PaymentState => {
  switch (event._tag) {
    case "TopUpRequested":
      return {
        ...state,
        status: "PENDING",
        orderId: event.orderId,
        userId: event.userId,
        amount: event.amount,
        paymentMethod: event.paymentMethod,
        expiresAt: event.expiresAt
      }
    case "SnapTransactionCreated":
      return { ...state, snapToken: event.snapToken }
    case "SnapTransactionFailed":
    case "PaymentFailed":
      return { ...state, status: "FAILED" }
    case "PaymentSettled":
      return { ...state, status: "SETTLED" }
    case "TopUpCancelled":
      return { ...state, status: "CANCELLED" }
    case "TopUpExpired":
      return { ...state, status: "EXPIRED" }
    case "PaymentReversed":
      return {
        ...state,
        reversed: state.reversed + event.amount,
        reversalKeys: new Set(state.reversalKeys).add(event.key)
      }
  }
}

export const replayPayment = (initial: PaymentState, events: Iterable<PaymentEvent>): PaymentState => {
  let state = initial
  for (const event of events) state = evolvePayment(state, event)
  return state
}
