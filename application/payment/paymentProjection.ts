import { PaymentEvent } from "../../domain/payment/index.ts"
import type { RecordedEvent } from "../ports/eventStore.ts"
import type { PaymentView } from "../ports/paymentQueries.ts"
import { fastDecodeSync } from "../shared/fastDecode.ts"

const decode = fastDecodeSync(PaymentEvent)

/** The payments read model, one event at a time (the Postgres projector does the same in SQL). */
export const projectPaymentEvent = (view: PaymentView | undefined, recorded: RecordedEvent): PaymentView => {
  const event = decode(recorded.data)
  const at = recorded.recordedAt
  if (event._tag === "TopUpRequested") {
    return {
      orderId: event.orderId,
      userId: event.userId,
      amount: event.amount,
      paymentMethod: event.paymentMethod,
      status: "PENDING",
      gatewayStatus: null,
      snapToken: null,
      redirectUrl: null,
      reversedAmount: 0,
      shortfall: 0,
      expiresAt: event.expiresAt,
      createdAt: at,
      updatedAt: at,
      position: recorded.position
    }
  }
  if (view === undefined) throw new Error(`payment ${event.orderId} projected before it was requested`)
  const base = { ...view, updatedAt: at }
  switch (event._tag) {
    case "SnapTransactionCreated":
      return { ...base, snapToken: event.snapToken, redirectUrl: event.redirectUrl }
    case "SnapTransactionFailed":
      return { ...base, status: "FAILED", gatewayStatus: "snap_failed" }
    case "PaymentSettled":
      return { ...base, status: "SETTLED", gatewayStatus: event.gatewayStatus }
    case "PaymentFailed":
      return { ...base, status: "FAILED", gatewayStatus: event.gatewayStatus }
    case "TopUpCancelled":
      return { ...base, status: "CANCELLED" }
    case "TopUpExpired":
      return { ...base, status: "EXPIRED", gatewayStatus: view.gatewayStatus ?? "expire" }
    case "PaymentReversed":
      return {
        ...base,
        reversedAmount: view.reversedAmount + event.amount,
        shortfall: view.shortfall + event.shortfall,
        gatewayStatus: event.kind
      }
  }
}
