import type { WalletEvent } from "./events.ts"
import type { WalletState } from "./state.ts"

const withApplied = (state: WalletState, reference: string, transactionId: string) =>
  new Map(state.applied).set(reference, transactionId)

/** Pure and total: folds one wallet event into the state. */
export const evolveWallet = (state: WalletState, event: WalletEvent): WalletState => {
  const applied = withApplied(state, event.reference, event.transactionId)
  switch (event._tag) {
    case "TopUpCredited":
      return {
        ...state,
        applied,
        balance: state.balance + event.amount,
        totalTopUp: state.totalTopUp + event.amount
      }
    case "TopUpReversed":
      return {
        ...state,
        applied,
        balance: state.balance - event.amount,
        totalTopUp: state.totalTopUp - event.amount
      }
    case "FreeGrantRecorded":
      return { ...state, applied }
    case "CouponCreditGranted":
      return { ...state, applied, balance: state.balance + event.amount }
    case "WalletCharged":
      return {
        ...state,
        applied,
        balance: state.balance - event.amount,
        totalSpent: state.totalSpent + event.amount,
        charges: new Map(state.charges).set(event.transactionId, { amount: event.amount, refunded: 0 })
      }
    case "ChargeRefunded": {
      const charge = state.charges.get(event.chargeTransactionId)
      const charges =
        charge === undefined
          ? state.charges
          : new Map(state.charges).set(event.chargeTransactionId, {
              ...charge,
              refunded: charge.refunded + event.amount
            })
      return {
        ...state,
        applied,
        charges,
        balance: state.balance + event.amount,
        totalSpent: state.totalSpent - event.amount
      }
    }
    case "CreditAdjusted":
      return {
        ...state,
        applied,
        balance: event.direction === "CREDIT" ? state.balance + event.amount : state.balance - event.amount
      }
  }
}

export const replayWallet = (initial: WalletState, events: Iterable<WalletEvent>): WalletState => {
  let state = initial
  for (const event of events) state = evolveWallet(state, event)
  return state
}
