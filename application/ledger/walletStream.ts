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
import type { EventMetadata, LoadedStream, RecordedEvent, StreamEvents } from "../ports/eventStore.ts"
import { runCommand } from "../shared/runCommand.ts"

const decodeEvent = Schema.decodeUnknownSync(WalletEvent)
const encodeEvent = Schema.encodeSync(WalletEvent)

/** Our own stored events always decode; a failure here is corruption, surfaced by the audit. */
export const decodeWalletEvent = (event: RecordedEvent): WalletEvent => decodeEvent(event.data)

/** The wallet's decision state as stored in its snapshot (v1); Maps become entry lists. */
const WalletSnapshot = Schema.Struct({
  v: Schema.Literal(1),
  balance: Schema.Number,
  totalTopUp: Schema.Number,
  totalSpent: Schema.Number,
  applied: Schema.Array(Schema.Tuple(Schema.String, Schema.String)),
  charges: Schema.Array(Schema.Tuple(Schema.String, Schema.Number, Schema.Number))
})
const decodeSnapshot = Schema.decodeUnknownSync(WalletSnapshot)

const snapshotOf = (state: WalletState): typeof WalletSnapshot.Type => ({
  v: 1,
  balance: state.balance,
  totalTopUp: state.totalTopUp,
  totalSpent: state.totalSpent,
  applied: [...state.applied],
  charges: [...state.charges].map(([id, c]) => [id, c.amount, c.refunded] as const)
})

const stateOfSnapshot = (snapshot: unknown): WalletState => {
  const s = decodeSnapshot(snapshot)
  return {
    balance: s.balance,
    totalTopUp: s.totalTopUp,
    totalSpent: s.totalSpent,
    applied: new Map(s.applied),
    charges: new Map(s.charges.map(([id, amount, refunded]) => [id, { amount, refunded }]))
  }
}

/** Snapshot (if any) plus the events after it. */
export const walletStateOf = (stream: LoadedStream | undefined): WalletState =>
  replayWallet(
    stream?.snapshot === undefined ? emptyWallet : stateOfSnapshot(stream.snapshot.state),
    (stream?.events ?? []).map(decodeWalletEvent)
  )

export interface WalletMovement {
  readonly transactionId: string
  /** false when the command's reference had already been applied (an idempotent replay). */
  readonly applied: boolean
  readonly balance: number
}

/**
 * Decides a sequence of wallet commands against one state (used when another aggregate drives
 * the wallet in the same transaction) and returns what to append, snapshot included.
 */
export const planWalletCommands = (
  userId: string,
  state: WalletState,
  commands: ReadonlyArray<WalletCommand>
): Either.Either<{ readonly append: StreamEvents | undefined; readonly after: WalletState }, WalletError> => {
  let current = state
  const events: Array<WalletEvent> = []
  for (const command of commands) {
    const decision = decideWallet(command, current)
    if (Either.isLeft(decision)) return Either.left(decision.left)
    events.push(...decision.right)
    current = replayWallet(current, decision.right)
  }
  return Either.right({
    after: current,
    append: events.length === 0 ? undefined : {
      streamId: walletStreamId(userId),
      events: events.map((e) => ({ type: e._tag, data: encodeEvent(e) })),
      snapshot: snapshotOf(current)
    }
  })
}

/** Wallet events already decided (by a domain decision over several aggregates), with their snapshot. */
export const walletAppend = (userId: string, before: WalletState, events: ReadonlyArray<WalletEvent>): Array<StreamEvents> =>
  events.length === 0 ? [] : [{
    streamId: walletStreamId(userId),
    events: events.map((e) => ({ type: e._tag, data: encodeEvent(e) })),
    snapshot: snapshotOf(replayWallet(before, events))
  }]

/** The TXMP numbers of the transfers a command wrote to a user's wallet, in order (their numbers are taken as they are written). */
export const writtenTransactionIds = (userId: string, recorded: ReadonlyArray<RecordedEvent>): ReadonlyArray<string> =>
  recorded.filter((e) => e.streamId === walletStreamId(userId)).map((e) => decodeWalletEvent(e).transactionId)

/** Runs one wallet command through the shared loop and reports the movement it produced. */
export const executeWalletCommand = (userId: string, command: WalletCommand, metadata: EventMetadata) => {
  const streamId = walletStreamId(userId)
  // Written by the decide of the attempt that committed (the loop may retry).
  let outcome: WalletMovement = { transactionId: command.transactionId, applied: false, balance: 0 }
  return runCommand<WalletError>([streamId], (streams) => {
    const state = walletStateOf(streams.get(streamId))
    return Either.map(decideWallet(command, state), (events) => {
      const after = replayWallet(state, events)
      outcome = {
        transactionId: events[0]?.transactionId ?? state.applied.get(command.reference) ?? command.transactionId,
        applied: events.length > 0,
        balance: after.balance
      }
      return events.length === 0 ? [] : [{
        streamId,
        events: events.map((e) => ({ type: e._tag, data: encodeEvent(e) })),
        snapshot: snapshotOf(after)
      }]
    })
  }, metadata).pipe(Effect.map((recorded) => outcome.applied ? { ...outcome, transactionId: writtenTransactionIds(userId, recorded)[0]! } : outcome))
}
