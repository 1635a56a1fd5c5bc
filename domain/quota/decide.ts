import { Either } from "effect"
import type { QuotaCommand } from "./commands.ts"
import { CapacityBelowUsage, type QuotaError, QuotaExceeded } from "./errors.ts"
import type { QuotaEvent } from "./events.ts"
import type { QuotaState } from "./state.ts"

export const decideQuota = (command: QuotaCommand, state: QuotaState): Either.Either<ReadonlyArray<QuotaEvent>, QuotaError> => {
  const used = state.holders.size
  switch (command._tag) {
    case "TakeSlot": {
      if (state.holders.has(command.subscriptionId)) return Either.right([])
      const capacity = state.capacity ?? command.catalogCapacity
      return used >= capacity
        ? Either.left(new QuotaExceeded({ capacity, used }))
        : Either.right([{ _tag: "QuotaSlotTaken", subscriptionId: command.subscriptionId }])
    }
    case "ReleaseSlot":
      return Either.right(state.holders.has(command.subscriptionId) ? [{ _tag: "QuotaSlotReleased", subscriptionId: command.subscriptionId }] : [])
    case "SetCapacity":
      if (!Number.isSafeInteger(command.capacity) || command.capacity < 0) return Either.left(new CapacityBelowUsage({ requested: command.capacity, used }))
      return command.capacity < used
        ? Either.left(new CapacityBelowUsage({ requested: command.capacity, used }))
        : Either.right([{ _tag: "QuotaCapacitySet", capacity: command.capacity, by: command.by }])
  }
}
