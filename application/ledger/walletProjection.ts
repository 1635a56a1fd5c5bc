import { transferOf, userIdOfWalletStream, walletAccount } from "../../domain/ledger/index.ts"
import type { RecordedEvent } from "../ports/eventStore.ts"
import { walletStream } from "../shared/streams.ts"

/** What one wallet event changes in the read models; both adapters apply exactly this. */
export interface WalletProjectionStep {
  readonly userId: string
  readonly balanceDelta: number
  readonly topUpDelta: number
  readonly spentDelta: number
  readonly entry: {
    readonly transactionId: string
    readonly type: ReturnType<typeof transferOf>["kind"]
    readonly direction: "CREDIT" | "DEBIT"
    readonly amount: number
    readonly fromAccount: string
    readonly toAccount: string
    readonly causeType: string
    readonly causeId: string
    readonly description: string
    readonly position: number
    readonly createdAt: string
  }
}

export const walletProjectionStep = (event: RecordedEvent): WalletProjectionStep => {
  const userId = userIdOfWalletStream(event.streamId)
  const walletEvent = walletStream.decode(event)
  const transfer = transferOf(userId, walletEvent)
  const direction = transfer.to === walletAccount(userId) ? ("CREDIT" as const) : ("DEBIT" as const)
  const balanceDelta = direction === "CREDIT" ? transfer.amount : -transfer.amount
  return {
    userId,
    balanceDelta,
    topUpDelta:
      walletEvent._tag === "TopUpCredited"
        ? walletEvent.amount
        : walletEvent._tag === "TopUpReversed"
          ? -walletEvent.amount
          : 0,
    spentDelta:
      walletEvent._tag === "WalletCharged"
        ? walletEvent.amount
        : walletEvent._tag === "ChargeRefunded"
          ? -walletEvent.amount
          : 0,
    entry: {
      transactionId: transfer.transactionId,
      type: transfer.kind,
      direction,
      amount: transfer.amount,
      fromAccount: transfer.from,
      toAccount: transfer.to,
      causeType: transfer.causeType,
      causeId: transfer.causeId,
      description: transfer.description,
      position: event.position,
      createdAt: event.recordedAt
    }
  }
}
