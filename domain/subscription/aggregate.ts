import type { Aggregate } from "../shared/index.ts"
import { ServiceGuardEvent, SubscriptionEvent } from "./events.ts"
import { evolveGuard, evolveSubscription } from "./evolve.ts"
import { noSubscription, type ServiceGuardState, type SubscriptionState } from "./state.ts"

/** subscription-<id>: one subscription and its instance. */
export const subscriptionAggregate: Aggregate<SubscriptionState, SubscriptionEvent> = {
  event: SubscriptionEvent,
  initial: noSubscription,
  evolve: evolveSubscription
}

/** user-service-<userId>-<serviceId>: at most one subscription per user and service. */
export const serviceGuardAggregate: Aggregate<ServiceGuardState, ServiceGuardEvent> = {
  event: ServiceGuardEvent,
  initial: { holder: undefined },
  evolve: evolveGuard
}
