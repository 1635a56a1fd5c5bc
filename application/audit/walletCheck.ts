import {
  evolveWallet,
  WalletEvent,
  isWalletStream,
  postTransfer,
  transferOf,
  userIdOfWalletStream,
  walletAccount,
  type WalletState
} from "../../domain/ledger/index.ts"
import { fastDecodeSync } from "../shared/fastDecode.ts"
import type { AccountBalances, AuditCheck, Problems } from "./auditCheck.ts"
import { eventRef, headOf, type StreamHead } from "./auditCheck.ts"

interface WalletReplay {
  balance: number
  totalTopUp: number
  totalSpent: number
  /** Idempotency references seen, to catch a movement applied twice. */
  readonly references: Set<string>
  /** subscription + period start of every period charge: at most one each (invariant 5). */
  readonly periodsCharged: Set<string>
  /** charge transaction id → amount still refundable. */
  readonly refundable: Map<string, number>
  /** For problems found at the end: the stream's last event. */
  last: StreamHead
}

const decodeWalletEvent = fastDecodeSync(WalletEvent)

const noApplied: WalletState["applied"] = new Map()
const noCharges: WalletState["charges"] = new Map()

/**
 * Wallets (invariants 1–4, 7): each event decoded, its figures folded with the domain's
 * `evolveWallet`, its transfer posted to the accounts; the projection rows and the transaction
 * list must equal the replay. The idempotency and refund bookkeeping lives in mutable sets here:
 * `evolveWallet` copies its maps on every event, which would make the replay quadratic per wallet.
 */
export const walletCheck = (accounts: AccountBalances): AuditCheck => {
  const wallets = new Map<string, WalletReplay>()
  return {
    follows: isWalletStream,
    observe: (event, problems) => {
      const userId = userIdOfWalletStream(event.streamId)
      let walletEvent
      try {
        walletEvent = decodeWalletEvent(event.data)
      } catch {
        problems.push({ ...eventRef(event), problem: `event data does not decode as a wallet event (${event.type})` })
        return
      }
      if (walletEvent._tag !== event.type) {
        problems.push({
          ...eventRef(event),
          problem: `type column ${event.type} differs from data ${walletEvent._tag}`
        })
      }
      let wallet = wallets.get(userId)
      if (wallet === undefined) {
        wallet = {
          balance: 0,
          totalTopUp: 0,
          totalSpent: 0,
          references: new Set(),
          periodsCharged: new Set(),
          refundable: new Map(),
          last: headOf(event)
        }
        wallets.set(userId, wallet)
      }
      wallet.last = headOf(event)
      if (wallet.references.has(walletEvent.reference)) {
        problems.push({ ...eventRef(event), problem: `reference ${walletEvent.reference} applied twice` })
      }
      wallet.references.add(walletEvent.reference)
      if (
        (walletEvent._tag === "WalletCharged" || walletEvent._tag === "FreeGrantRecorded") &&
        walletEvent.cause._tag === "SubscriptionPeriod"
      ) {
        // Per wallet: a subscription's periods are charged (or granted free) to its owner's wallet, once.
        const period = `${walletEvent.cause.subscriptionId}@${walletEvent.cause.periodStart}`
        if (wallet.periodsCharged.has(period))
          problems.push({ ...eventRef(event), problem: `period ${period} charged twice` })
        wallet.periodsCharged.add(period)
      }
      if (walletEvent._tag === "WalletCharged") wallet.refundable.set(walletEvent.transactionId, walletEvent.amount)
      if (walletEvent._tag === "ChargeRefunded") {
        const left = wallet.refundable.get(walletEvent.chargeTransactionId)
        if (left === undefined || walletEvent.amount > left) {
          problems.push({
            ...eventRef(event),
            problem: `refund exceeds what is left of ${walletEvent.chargeTransactionId}`
          })
        } else {
          wallet.refundable.set(walletEvent.chargeTransactionId, left - walletEvent.amount)
        }
      }
      const before: WalletState = {
        balance: wallet.balance,
        totalTopUp: wallet.totalTopUp,
        totalSpent: wallet.totalSpent,
        applied: noApplied,
        charges: noCharges
      }
      const after = evolveWallet(before, walletEvent)
      wallet.balance = after.balance
      wallet.totalTopUp = after.totalTopUp
      wallet.totalSpent = after.totalSpent
      if (after.balance < 0) problems.push({ ...eventRef(event), problem: `wallet ${userId} goes below zero` })
      postTransfer(accounts, transferOf(userId, walletEvent))
    },
    compare: ({ walletSummaries, accountTotals }, problems: Problems) => {
      const projected = new Map(walletSummaries.map((s) => [s.userId, s]))
      for (const [userId, wallet] of wallets) {
        const row = projected.get(userId)
        const replayed = { balance: wallet.balance, totalTopUp: wallet.totalTopUp, totalSpent: wallet.totalSpent }
        if (
          row === undefined ||
          row.balance !== replayed.balance ||
          row.totalTopUp !== replayed.totalTopUp ||
          row.totalSpent !== replayed.totalSpent
        ) {
          problems.push({
            ...wallet.last,
            problem: `projection ${JSON.stringify(row ?? null)} differs from replay ${JSON.stringify(replayed)} (after the stream's last event)`
          })
        }
        if ((accounts.get(walletAccount(userId)) ?? 0) !== wallet.balance) {
          problems.push({ ...wallet.last, problem: `wallet ${userId}: transfers and state disagree` })
        }
      }
      for (const row of walletSummaries) {
        if (!wallets.has(row.userId) && (row.balance !== 0 || row.totalTopUp !== 0 || row.totalSpent !== 0)) {
          problems.push({ streamId: `wallet-${row.userId}`, problem: "projection row has no events behind it" })
        }
      }
      for (const account of new Set([...accounts.keys(), ...accountTotals.keys()])) {
        const replayed = accounts.get(account) ?? 0
        const listed = accountTotals.get(account) ?? 0
        const last = account.startsWith("wallet:") ? wallets.get(account.slice("wallet:".length))?.last : undefined
        const at = last ?? {}
        if (replayed !== listed)
          problems.push({
            ...at,
            problem: `account ${account}: transaction list sums to ${listed}, replay to ${replayed}`
          })
        if (account.startsWith("wallet:") && replayed < 0)
          problems.push({ ...at, problem: `account ${account} below zero` })
      }
    },
    counts: () => ({ wallets: wallets.size })
  }
}
