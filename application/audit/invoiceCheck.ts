import { isWalletStream, userIdOfWalletStream } from "../../domain/ledger/index.ts"
import type { DocumentLedgerRow } from "../ports/invoices.ts"
import type { AuditCheck, Problems } from "./auditCheck.ts"

interface Movement {
  readonly userId: string
  readonly amount: number
  /** Refunds: the charge they return. */
  readonly chargeTransactionId?: string
}

const add = (sums: Map<string, number>, userId: string, amount: number) =>
  sums.set(userId, (sums.get(userId) ?? 0) + amount)

/**
 * Invoices and credit notes against the ledger: every charge has exactly one invoice of its amount
 * and every refund one credit note of its amount correcting that charge (so each user's invoice and
 * credit-note totals equal their charges and refunds), no document without its movement except
 * 0-rupiah grants, and each series' numbers of a year are exactly 1..the counter, without gaps.
 * The figures are read straight from the events (the wallet check decodes and reports bad ones).
 */
export const invoiceCheck = (): AuditCheck => {
  const charges = new Map<string, Movement>()
  const refunds = new Map<string, Movement>()
  let documents = 0
  return {
    follows: isWalletStream,
    observe: (event) => {
      if (event.type !== "WalletCharged" && event.type !== "ChargeRefunded") return
      const data = event.data as { transactionId: string; amount: number; chargeTransactionId?: string }
      const userId = userIdOfWalletStream(event.streamId)
      if (event.type === "WalletCharged") charges.set(data.transactionId, { userId, amount: data.amount })
      else
        refunds.set(data.transactionId, { userId, amount: data.amount, chargeTransactionId: data.chargeTransactionId! })
    },
    compare: ({ billingDocuments }, problems) => {
      if (billingDocuments === undefined) return // a replay without the read model (fed events directly)
      documents = billingDocuments.rows.length
      const byTransaction = new Map<string, DocumentLedgerRow>()
      const invoiced = new Map<string, number>()
      const credited = new Map<string, number>()
      for (const row of billingDocuments.rows) {
        add(row.series === "INV" ? invoiced : credited, row.userId, row.total)
        if (row.transactionId === null) {
          if (row.total !== 0)
            problems.push({
              streamId: `wallet-${row.userId}`,
              problem: `${row.number} totals ${row.total} without a ledger movement`
            })
          continue
        }
        byTransaction.set(row.transactionId, row)
        const movement = (row.series === "INV" ? charges : refunds).get(row.transactionId)
        if (movement === undefined)
          problems.push({
            streamId: `wallet-${row.userId}`,
            problem: `${row.number} names ${row.transactionId}, which is no ${row.series === "INV" ? "charge" : "refund"} in the ledger`
          })
      }
      const expect = (kind: "INV" | "CN", movements: Map<string, Movement>) => {
        for (const [transactionId, m] of movements) {
          const row = byTransaction.get(transactionId)
          const what = kind === "INV" ? "charge" : "refund"
          if (row === undefined || row.series !== kind)
            problems.push({
              streamId: `wallet-${m.userId}`,
              problem: `${what} ${transactionId} has no ${kind === "INV" ? "invoice" : "credit note"}`
            })
          else if (row.total !== m.amount || row.userId !== m.userId)
            problems.push({
              streamId: `wallet-${m.userId}`,
              problem: `${row.number} (${row.userId}, ${row.total}) differs from ${what} ${transactionId} (${m.userId}, ${m.amount})`
            })
          else if (kind === "CN" && row.correctsTransactionId !== m.chargeTransactionId)
            problems.push({
              streamId: `wallet-${m.userId}`,
              problem: `${row.number} corrects ${row.correctsTransactionId}, but refund ${transactionId} returns ${m.chargeTransactionId}`
            })
        }
      }
      expect("INV", charges)
      expect("CN", refunds)
      const totals = (kind: "INV" | "CN", movements: Map<string, Movement>, issued: Map<string, number>) => {
        const ledger = new Map<string, number>()
        for (const m of movements.values()) add(ledger, m.userId, m.amount)
        for (const userId of new Set([...ledger.keys(), ...issued.keys()])) {
          if ((ledger.get(userId) ?? 0) !== (issued.get(userId) ?? 0)) {
            problems.push({
              streamId: `wallet-${userId}`,
              problem: `${kind === "INV" ? "invoices" : "credit notes"} total ${issued.get(userId) ?? 0}, the ledger's ${kind === "INV" ? "charges" : "refunds"} ${ledger.get(userId) ?? 0}`
            })
          }
        }
      }
      totals("INV", charges, invoiced)
      totals("CN", refunds, credited)
      numberingProblems(billingDocuments.rows, billingDocuments.counters, problems)
    },
    counts: () => ({ invoicedCharges: charges.size, creditedRefunds: refunds.size, billingDocuments: documents })
  }
}

/** Each (series, year) holds exactly the numbers 1..last_number, once each. */
const numberingProblems = (
  rows: ReadonlyArray<DocumentLedgerRow>,
  counters: ReadonlyArray<{ readonly series: string; readonly year: number; readonly lastNumber: number }>,
  problems: Problems
) => {
  const series = new Map<string, Array<number>>()
  for (const row of rows) {
    const key = `${row.series}-${row.year}`
    const list = series.get(key) ?? []
    list.push(row.sequence)
    series.set(key, list)
  }
  const last = new Map(counters.map((c) => [`${c.series}-${c.year}`, c.lastNumber]))
  for (const key of new Set([...series.keys(), ...last.keys()])) {
    const sequences = (series.get(key) ?? []).sort((a, b) => a - b)
    const firstWrong = sequences.findIndex((n, i) => n !== i + 1)
    if (firstWrong >= 0) {
      const twice = firstWrong > 0 && sequences[firstWrong] === sequences[firstWrong - 1]
      problems.push({
        problem: twice
          ? `${key}: number ${sequences[firstWrong]} is issued twice`
          : `${key}: number ${firstWrong + 1} is missing`
      })
    }
    if ((last.get(key) ?? 0) !== sequences.length)
      problems.push({
        problem: `${key}: the counter stands at ${last.get(key) ?? 0} but ${sequences.length} documents are numbered`
      })
  }
}
