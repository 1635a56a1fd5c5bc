import type { PaymentMethod } from "./events.ts"

export type PaymentStatus = "NEW" | "PENDING" | "SETTLED" | "FAILED" | "CANCELLED" | "EXPIRED"

export interface PaymentState {
  readonly status: PaymentStatus
  readonly orderId: string
  readonly userId: string
  readonly amount: number
  readonly paymentMethod: PaymentMethod | undefined
  readonly expiresAt: string
  readonly snapToken: string | undefined
  readonly reversed: number
  readonly reversalKeys: ReadonlySet<string>
}

export const newPayment: PaymentState = {
  status: "NEW",
  orderId: "",
  userId: "",
  amount: 0,
  paymentMethod: undefined,
  expiresAt: "",
  snapToken: undefined,
  reversed: 0,
  reversalKeys: new Set()
}
