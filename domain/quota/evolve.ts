import type { QuotaEvent } from "./events.ts"
import { emptyQuota, type QuotaState } from "./state.ts"

export const evolveQuota = (state: QuotaState, event: QuotaEvent): QuotaState => {
  switch (event._tag) {
    case "QuotaCapacitySet":
      return { ...state, capacity: event.capacity }
    case "QuotaSlotTaken":
      return { ...state, used: state.used + 1 }
    case "QuotaSlotReleased":
      return { ...state, used: state.used - 1 }
  }
}

export const replayQuota = (events: Iterable<QuotaEvent>, initial: QuotaState = emptyQuota): QuotaState => {
  let state = initial
  for (const e of events) state = evolveQuota(state, e)
  return state
}
