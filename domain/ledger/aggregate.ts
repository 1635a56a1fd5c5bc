import { Schema } from "effect"
import type { Aggregate } from "../shared/index.ts"
import { WalletEvent } from "./events.ts"
import { evolveWallet } from "./evolve.ts"
import { emptyWallet, type WalletState } from "./state.ts"

/** The wallet's decision state as stored in its snapshot (v1); Maps become entry lists. */
const WalletSnapshot = Schema.Struct({
  v: Schema.Literal(1),
  balance: Schema.Number,
  totalTopUp: Schema.Number,
  totalSpent: Schema.Number,
  applied: Schema.Array(Schema.Tuple(Schema.String, Schema.String)),
  charges: Schema.Array(Schema.Tuple(Schema.String, Schema.Number, Schema.Number))
})

/** wallet-<userId>: a hot stream, loaded from its snapshot. */
export const walletAggregate: Aggregate<WalletState, WalletEvent, typeof WalletSnapshot.Type> = {
  event: WalletEvent,
  initial: emptyWallet,
  evolve: evolveWallet,
  snapshot: {
    schema: WalletSnapshot,
    of: (state) => ({
      v: 1,
      balance: state.balance,
      totalTopUp: state.totalTopUp,
      totalSpent: state.totalSpent,
      applied: [...state.applied],
      charges: [...state.charges].map(([id, c]) => [id, c.amount, c.refunded] as const)
    }),
    state: (s) => ({
      balance: s.balance,
      totalTopUp: s.totalTopUp,
      totalSpent: s.totalSpent,
      applied: new Map(s.applied),
      charges: new Map(s.charges.map(([id, amount, refunded]) => [id, { amount, refunded }]))
    })
  }
}
