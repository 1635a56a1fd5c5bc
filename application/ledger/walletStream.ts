import { Effect, Either, Schema } from "effect"
import {
  decideWallet,
  emptyWallet,
  replayWallet,
  type WalletCommand,
  type WalletError,
  WalletEvent,
  type WalletState,
  walletStreamId
} from "../../domain/ledger/index.ts"
import type { EventMetadata, LoadedStream, RecordedEvent } from "../ports/eventStore.ts"
import { runCommand } from "../shared/runCommand.ts"

const decodeEvent = Schema.decodeUnknownSync(WalletEvent)
const encodeEvent = Schema.encodeSync(WalletEvent)

/** Our own stored events always decode; a failure here is corruption, surfaced by the audit. */
export const decodeWalletEvent = (event: RecordedEvent): WalletEvent => decodeEvent(event.data)

export const walletStateOf = (stream: LoadedStream | undefined): WalletState =>
  replayWallet(emptyWallet, (stream?.events ?? []).map(decodeWalletEvent))

export interface WalletMovement {
  readonly transactionId: string
  /** false when the command's reference had already been applied (an idempotent replay). */
  readonly applied: boolean
  readonly balance: number
}

/** Runs one wallet command through the shared loop and reports the movement it produced. */
export const executeWalletCommand = (userId: string, command: WalletCommand, metadata: EventMetadata) => {
  const streamId = walletStreamId(userId)
  // Written by the decide of the attempt that committed (the loop may retry).
  let outcome: WalletMovement = { transactionId: command.transactionId, applied: false, balance: 0 }
  return runCommand<WalletError>([streamId], (streams) => {
    const state = walletStateOf(streams.get(streamId))
    return Either.map(decideWallet(command, state), (events) => {
      outcome = {
        transactionId: events[0]?.transactionId ?? state.applied.get(command.reference) ?? command.transactionId,
        applied: events.length > 0,
        balance: replayWallet(state, events).balance
      }
      return events.length === 0 ? [] : [{ streamId, events: events.map((e) => ({ type: e._tag, data: encodeEvent(e) })) }]
    })
  }, metadata).pipe(Effect.map(() => outcome))
}
