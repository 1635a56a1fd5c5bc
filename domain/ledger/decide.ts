import { Either } from "effect"
import { addRupiah, isPositiveRupiah } from "../shared/index.ts"
import type { WalletCommand } from "./commands.ts"
import {
  ChargeNotFound,
  InsufficientCredit,
  InvalidLedgerCommand,
  RefundExceedsCharge,
  type WalletError
} from "./errors.ts"
import type { WalletEvent } from "./events.ts"
import { replayWallet } from "./evolve.ts"
import type { WalletState } from "./state.ts"

type Decision = Either.Either<ReadonlyArray<WalletEvent>, WalletError>

const invalid = (field: string, problem: string): Decision => Either.left(new InvalidLedgerCommand({ field, problem }))

const one = (event: WalletEvent): Decision => Either.right([event])

/** Debits never take a wallet below zero (invariant 2). */
export const ensureAffordable = (state: WalletState, amount: number): Either.Either<void, WalletError> =>
  amount <= state.balance
    ? Either.void
    : Either.left(
        new InsufficientCredit({ required: amount, available: state.balance, shortfall: amount - state.balance })
      )

/** Credits must keep the balance a safe integer. */
const ensureCreditable = (state: WalletState, amount: number): Either.Either<void, WalletError> =>
  addRupiah(state.balance, amount) === undefined
    ? Either.left(new InvalidLedgerCommand({ field: "amount", problem: "balance would exceed the safe range" }))
    : Either.void

/**
 * Pure: command + state → events, or a typed error. A command whose reference is already
 * applied decides to no events (idempotent replay), whatever its other fields.
 */
export const decideWallet = (command: WalletCommand, state: WalletState): Decision => {
  if (command.reference.length === 0) return invalid("reference", "must not be empty")
  if (state.applied.has(command.reference)) return Either.right([])
  if (command._tag === "RecordFreeGrant") {
    const { transactionId, reference, cause, reason, description } = command
    return Either.right([
      { _tag: "FreeGrantRecorded", transactionId, amount: 0, reference, cause, reason, description }
    ])
  }
  const magnitude = command._tag === "AdjustCredit" ? Math.abs(command.amount) : command.amount
  if (!isPositiveRupiah(magnitude)) return invalid("amount", "must be a positive integer number of rupiah")
  const { transactionId, reference } = command

  switch (command._tag) {
    case "CreditTopUp":
      return Either.map(ensureCreditable(state, magnitude), () => [
        { _tag: "TopUpCredited", transactionId, amount: magnitude, reference }
      ])
    case "GrantCouponCredit":
      if (command.couponCode.length === 0) return invalid("couponCode", "must not be empty")
      return Either.map(ensureCreditable(state, magnitude), () => [
        { _tag: "CouponCreditGranted", transactionId, amount: magnitude, reference, couponCode: command.couponCode }
      ])
    case "ReverseTopUp":
      return Either.map(ensureAffordable(state, magnitude), () => [
        {
          _tag: "TopUpReversed",
          transactionId,
          amount: magnitude,
          reference,
          orderId: command.orderId,
          kind: command.kind
        }
      ])
    case "ChargeWallet":
      return Either.map(ensureAffordable(state, magnitude), () => [
        {
          _tag: "WalletCharged",
          transactionId,
          amount: magnitude,
          reference,
          cause: command.cause,
          description: command.description
        }
      ])
    case "RefundCharge": {
      if (command.reason.trim().length === 0) return invalid("reason", "is required")
      const charge = state.charges.get(command.chargeTransactionId)
      if (charge === undefined) {
        return Either.left(new ChargeNotFound({ chargeTransactionId: command.chargeTransactionId }))
      }
      const refundable = charge.amount - charge.refunded
      if (magnitude > refundable) {
        return Either.left(
          new RefundExceedsCharge({
            chargeTransactionId: command.chargeTransactionId,
            requested: magnitude,
            refundable
          })
        )
      }
      return one({
        _tag: "ChargeRefunded",
        transactionId,
        amount: magnitude,
        reference,
        chargeTransactionId: command.chargeTransactionId,
        reason: command.reason
      })
    }
    case "AdjustCredit": {
      if (command.reason.trim().length === 0) return invalid("reason", "is required")
      if (command.adminId.length === 0) return invalid("adminId", "is required")
      const direction = command.amount > 0 ? ("CREDIT" as const) : ("DEBIT" as const)
      const guard = direction === "CREDIT" ? ensureCreditable(state, magnitude) : ensureAffordable(state, magnitude)
      return Either.map(guard, () => [
        {
          _tag: "CreditAdjusted",
          transactionId,
          direction,
          amount: magnitude,
          reference,
          adminId: command.adminId,
          reason: command.reason
        }
      ])
    }
  }
}

/**
 * Several commands decided in order, each on the state the previous ones left (e.g. the refunds
 * of a period's charges): all their events, or the first refusal.
 */
export const decideWalletCommands = (commands: ReadonlyArray<WalletCommand>, state: WalletState): Decision => {
  let current = state
  const events: Array<WalletEvent> = []
  for (const command of commands) {
    const decision = decideWallet(command, current)
    if (Either.isLeft(decision)) return decision
    events.push(...decision.right)
    current = replayWallet(current, decision.right)
  }
  return Either.right(events)
}
