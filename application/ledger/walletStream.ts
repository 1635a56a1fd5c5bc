import { Either } from "effect"
import { decideWallet, replayWallet, type WalletCommand, walletStreamId } from "../../domain/ledger/index.ts"
import type { EventMetadata } from "../ports/eventStore.ts"
import { bind, decideOn, walletStream } from "../shared/streams.ts"

export interface WalletMovement {
  readonly transactionId: string
  /** false when the command's reference had already been applied (an idempotent replay). */
  readonly applied: boolean
  readonly balance: number
}

/** Runs one wallet command through the shared loop and reports the movement it produced. */
export const executeWalletCommand = (userId: string, command: WalletCommand, metadata: EventMetadata) =>
  decideOn(
    { wallet: bind(walletStream, walletStreamId(userId)) },
    ({ wallet }) =>
      Either.map(decideWallet(command, wallet), (events) => ({
        events: { wallet: events },
        result: {
          transactionId: events[0]?.transactionId ?? wallet.applied.get(command.reference) ?? command.transactionId,
          applied: events.length > 0,
          balance: replayWallet(wallet, events).balance
        } satisfies WalletMovement
      })),
    metadata
  )
