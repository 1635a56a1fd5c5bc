import { Either } from "effect"
import type { QuotaCommand } from "./commands.ts"
import { CapacityBelowUsage, type QuotaError, QuotaExceeded } from "./errors.ts"
import type { QuotaEvent } from "./events.ts"
import type { QuotaState } from "./state.ts"

/** A slot is free while fewer are held than the capacity (the stream's, else the catalog's). */
export const ensureSlotFree = (state: QuotaState, catalogCapacity: number): Either.Either<void, QuotaExceeded> => {
  const capacity = state.capacity ?? catalogCapacity
  return state.used >= capacity ? Either.left(new QuotaExceeded({ capacity, used: state.used })) : Either.void
}

export const decideQuota = (
  command: QuotaCommand,
  state: QuotaState
): Either.Either<ReadonlyArray<QuotaEvent>, QuotaError> => {
  switch (command._tag) {
    case "TakeSlot":
      return Either.map(ensureSlotFree(state, command.catalogCapacity), () => [
        { _tag: "QuotaSlotTaken", subscriptionId: command.subscriptionId }
      ])
    case "ReleaseSlot":
      // A release without a held slot would break used = slots held: refuse silently (no event).
      return Either.right(state.used > 0 ? [{ _tag: "QuotaSlotReleased", subscriptionId: command.subscriptionId }] : [])
    case "SetCapacity":
      if (!Number.isSafeInteger(command.capacity) || command.capacity < state.used) {
        return Either.left(new CapacityBelowUsage({ requested: command.capacity, used: state.used }))
      }
      return Either.right([{ _tag: "QuotaCapacitySet", capacity: command.capacity, by: command.by }])
  }
}
