import { Effect } from "effect"
import { transferOf, type TransferKind, walletAccount, walletStreamId } from "../../domain/ledger/index.ts"
import { walletStream } from "../shared/streams.ts"
import type { RecordedEvent } from "../ports/eventStore.ts"
import { LedgerSnapshots, type SnapshotPosition } from "../ports/ledgerSnapshot.ts"

/** A period: `from` inclusive, `to` exclusive, compared with each event's recordedAt. */
export interface Period {
  readonly from: Date
  readonly to: Date
}

export interface StatementLine {
  /** The event behind the line, to find it in the export and check its hash. */
  readonly position: number
  readonly version: number
  readonly eventId: string
  readonly hash: string
  readonly recordedAt: string
  readonly transactionId: string
  readonly kind: TransferKind
  readonly direction: "CREDIT" | "DEBIT"
  readonly amount: number
  /** The other side of the transfer (a system account). */
  readonly counterparty: string
  readonly description: string
  readonly balanceAfter: number
}

export interface Statement {
  readonly userId: string
  readonly from: string
  readonly to: string
  readonly consistentUpTo: SnapshotPosition
  readonly openingBalance: number
  readonly credits: number
  readonly debits: number
  readonly closingBalance: number
  readonly lines: ReadonlyArray<StatementLine>
}

/** One wallet event as a signed movement of that wallet. */
const movementOf = (userId: string, event: RecordedEvent) => {
  const transfer = transferOf(userId, walletStream.decode(event))
  const credit = transfer.to === walletAccount(userId)
  return {
    transfer,
    direction: credit ? ("CREDIT" as const) : ("DEBIT" as const),
    delta: credit ? transfer.amount : -transfer.amount
  }
}

/**
 * A user's statement for a period, from the wallet's events in one snapshot: the balance before
 * the period, every movement in it with its event's position and hash, the balance after.
 */
export const walletStatement = Effect.fn("Audit.walletStatement")(function* (userId: string, period: Period) {
  const from = period.from.toISOString()
  const to = period.to.toISOString()
  return yield* (yield* LedgerSnapshots).read((snapshot) =>
    Effect.gen(function* () {
      let opening = 0
      let balance = 0
      let credits = 0
      let debits = 0
      const lines: Array<StatementLine> = []
      yield* snapshot.forEachBatch({ streamId: walletStreamId(userId), recordedBefore: period.to }, (events) => {
        for (const event of events) {
          const { transfer, direction, delta } = movementOf(userId, event)
          balance += delta
          if (event.recordedAt < from) {
            opening = balance
            continue
          }
          if (direction === "CREDIT") credits += transfer.amount
          else debits += transfer.amount
          lines.push({
            position: event.position,
            version: event.version,
            eventId: event.eventId,
            hash: event.hash,
            recordedAt: event.recordedAt,
            transactionId: transfer.transactionId,
            kind: transfer.kind,
            direction,
            amount: transfer.amount,
            counterparty: direction === "CREDIT" ? transfer.from : transfer.to,
            description: transfer.description,
            balanceAfter: balance
          })
        }
      })
      return {
        userId,
        from,
        to,
        consistentUpTo: snapshot.at,
        openingBalance: opening,
        credits,
        debits,
        closingBalance: balance,
        lines
      } satisfies Statement
    })
  )
})

/** What moved in a period, by kind of movement (rupiah). */
export interface PeriodTotals {
  readonly from: string
  readonly to: string
  readonly consistentUpTo: SnapshotPosition
  /** Wallet events (movements) in the period. */
  readonly movements: number
  readonly wallets: number
  readonly topUps: number
  readonly topUpReversals: number
  readonly charges: number
  readonly refunds: number
  readonly couponCredits: number
  readonly adjustmentCredits: number
  readonly adjustmentDebits: number
  /** charges − refunds, as the revenue analytics count it. */
  readonly netRevenue: number
}

/** The period's totals from the wallet events themselves, in one snapshot. */
export const periodTotals = Effect.fn("Audit.periodTotals")(function* (period: Period) {
  return yield* (yield* LedgerSnapshots).read((snapshot) =>
    Effect.gen(function* () {
      const sums: Record<TransferKind | "ADMIN_ADJUSTMENT_DEBIT", number> = {
        TOP_UP: 0,
        TOP_UP_REVERSAL: 0,
        SUBSCRIPTION: 0,
        UPGRADE: 0,
        REFUND: 0,
        ADMIN_ADJUSTMENT: 0,
        ADMIN_ADJUSTMENT_DEBIT: 0,
        COUPON_CREDIT: 0
      }
      const wallets = new Set<string>()
      let movements = 0
      yield* snapshot.forEachBatch(
        { streamPrefix: "wallet-", recordedFrom: period.from, recordedBefore: period.to },
        (events) => {
          for (const event of events) {
            const userId = event.streamId.slice("wallet-".length)
            const { transfer, direction } = movementOf(userId, event)
            movements++
            wallets.add(userId)
            sums[
              transfer.kind === "ADMIN_ADJUSTMENT" && direction === "DEBIT" ? "ADMIN_ADJUSTMENT_DEBIT" : transfer.kind
            ] += transfer.amount
          }
        }
      )
      const charges = sums.SUBSCRIPTION + sums.UPGRADE
      return {
        from: period.from.toISOString(),
        to: period.to.toISOString(),
        consistentUpTo: snapshot.at,
        movements,
        wallets: wallets.size,
        topUps: sums.TOP_UP,
        topUpReversals: sums.TOP_UP_REVERSAL,
        charges,
        refunds: sums.REFUND,
        couponCredits: sums.COUPON_CREDIT,
        adjustmentCredits: sums.ADMIN_ADJUSTMENT,
        adjustmentDebits: sums.ADMIN_ADJUSTMENT_DEBIT,
        netRevenue: charges - sums.REFUND
      } satisfies PeriodTotals
    })
  )
})
