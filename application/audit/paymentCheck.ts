import { isPaymentStream } from "../../domain/payment/index.ts"
import { projectPaymentEvent } from "../payment/paymentProjection.ts"
import type { PaymentView } from "../ports/paymentQueries.ts"
import { type AuditCheck, eventRef, headOf, type StreamHead } from "./auditCheck.ts"

const facts = (p: PaymentView | undefined) =>
  p && {
    userId: p.userId,
    amount: p.amount,
    status: p.status,
    reversedAmount: p.reversedAmount,
    shortfall: p.shortfall
  }

/** Payments: the `payments` rows equal the payment streams replayed. */
export const paymentCheck = (): AuditCheck => {
  const payments = new Map<string, { view: PaymentView; last: StreamHead }>()
  return {
    follows: isPaymentStream,
    observe: (event, problems) => {
      const orderId = event.streamId.slice("payment-".length)
      try {
        payments.set(orderId, { view: projectPaymentEvent(payments.get(orderId)?.view, event), last: headOf(event) })
      } catch {
        problems.push({ ...eventRef(event), problem: `event does not apply as a payment event (${event.type})` })
      }
    },
    compare: (readModels, problems) => {
      const rows = new Map(readModels.payments.map((p) => [p.orderId, p]))
      for (const orderId of new Set([...payments.keys(), ...rows.keys()])) {
        const replay = payments.get(orderId)
        const replayed = facts(replay?.view)
        const row = facts(rows.get(orderId))
        if (JSON.stringify(replayed) !== JSON.stringify(row)) {
          problems.push({
            ...(replay === undefined ? { streamId: `payment-${orderId}` } : replay.last),
            problem: `payments row ${JSON.stringify(row ?? null)} differs from replay ${JSON.stringify(replayed ?? null)}`
          })
        }
      }
    },
    counts: () => ({ payments: payments.size })
  }
}
