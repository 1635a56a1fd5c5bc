export interface ChargeRecord {
  readonly amount: number
  readonly refunded: number
}

export interface WalletState {
  readonly balance: number
  /** Sum of top-ups received through the payment gateway. */
  readonly totalTopUp: number
  /** Charges minus refunds: what the user has paid for services, net. */
  readonly totalSpent: number
  /** reference → transaction id of every movement applied, for idempotency. */
  readonly applied: ReadonlyMap<string, string>
  /** charge transaction id → amount and what has been refunded of it. */
  readonly charges: ReadonlyMap<string, ChargeRecord>
}

export const emptyWallet: WalletState = {
  balance: 0,
  totalTopUp: 0,
  totalSpent: 0,
  applied: new Map(),
  charges: new Map()
}
