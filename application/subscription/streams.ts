import { Effect, Either } from "effect"
import { walletStreamId } from "../../domain/ledger/index.ts"
import { quotaStreamId } from "../../domain/quota/index.ts"
import {
  serviceGuardStreamId,
  type SubscriptionEvent,
  type SubscriptionState,
  subscriptionStreamId
} from "../../domain/subscription/index.ts"
import type { EventMetadata } from "../ports/eventStore.ts"
import { SubscriptionQueries } from "../ports/subscriptionQueries.ts"
import type { Outcome } from "../../domain/shared/index.ts"
import {
  bind,
  decideOn,
  type EventsOf,
  quotaStream,
  serviceGuardStream,
  type StatesOf,
  subscriptionStream,
  walletStream
} from "../shared/streams.ts"

interface Held {
  readonly id: string
  readonly userId: string
  readonly planId: string
  readonly serviceId: string
}

/** The four streams a subscription's end or restart touches, in the order their events are appended. */
export const lifecycleStreams = (s: Held) => ({
  wallet: bind(walletStream, walletStreamId(s.userId)),
  quota: bind(quotaStream, quotaStreamId(s.planId)),
  subscription: bind(subscriptionStream, subscriptionStreamId(s.id)),
  guard: bind(serviceGuardStream, serviceGuardStreamId(s.userId, s.serviceId))
})

/** A command on the subscription's own stream only. */
export const onSubscription = <E>(
  subscriptionId: string,
  decide: (state: SubscriptionState) => Either.Either<ReadonlyArray<SubscriptionEvent>, E>,
  metadata: EventMetadata
) =>
  decideOn(
    { subscription: bind(subscriptionStream, subscriptionStreamId(subscriptionId)) },
    ({ subscription }) =>
      Either.map(decide(subscription), (events) => ({ events: { subscription: events }, result: undefined })),
    metadata
  )

/** The plan on record moved (an upgrade committed) after the view naming the quota stream was read. */
class StalePlan {
  readonly _tag = "StalePlan"
}

type Lifecycle = ReturnType<typeof lifecycleStreams>

/**
 * A command over the lifecycle streams, bound from the subscription as it is on record when the
 * command runs: a view read earlier (a provisioning worker's, a cancel's) may name the plan an
 * upgrade just left, and its slot would be released from the wrong plan's quota. If the plan
 * moved between the read and the lock, the view is read again.
 */
export const decideOnLifecycle = <A, E>(
  subscriptionId: string,
  decide: (states: StatesOf<Lifecycle>) => Either.Either<Outcome<EventsOf<Lifecycle>, A>, E>,
  metadata: EventMetadata
) =>
  Effect.gen(function* () {
    const view = yield* (yield* SubscriptionQueries).find(subscriptionId)
    if (view === undefined) return yield* Effect.die(new Error(`subscription ${subscriptionId} has no view`))
    return yield* decideOn(
      lifecycleStreams(view),
      (states): Either.Either<Outcome<EventsOf<Lifecycle>, A>, E | StalePlan> => {
        const planOnRecord = states.subscription.plan?.planId
        return planOnRecord !== undefined && planOnRecord !== view.planId
          ? Either.left(new StalePlan())
          : decide(states)
      },
      metadata
    )
  }).pipe(
    Effect.retry({ while: (e): boolean => e instanceof StalePlan, times: 5 }),
    Effect.catchIf(
      (e): e is StalePlan => e instanceof StalePlan,
      () => Effect.die(new Error(`the plan of ${subscriptionId} kept moving`))
    )
  )
