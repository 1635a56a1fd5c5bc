import type { InstanceOpsEvent } from "./events.ts"
import type { InstanceOpsState } from "./state.ts"

export const evolveInstanceOps = (state: InstanceOpsState, event: InstanceOpsEvent): InstanceOpsState => {
  switch (event._tag) {
    case "InstanceHealthChanged":
      return { ...state, health: { status: event.status, reason: event.reason, since: event.at } }
    case "InstanceDriftRepaired":
      return state
    case "MaintenanceStarted":
      return { ...state, maintenance: { by: event.by, reason: event.reason, since: event.at } }
    case "MaintenanceEnded":
      return { ...state, maintenance: undefined }
  }
}

export const replayInstanceOps = (state: InstanceOpsState, events: ReadonlyArray<InstanceOpsEvent>) =>
  events.reduce(evolveInstanceOps, state)
