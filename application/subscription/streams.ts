import { Either } from "effect"
import { walletStreamId } from "../../domain/ledger/index.ts"
import { quotaStreamId } from "../../domain/quota/index.ts"
import { serviceGuardStreamId, type SubscriptionEvent, type SubscriptionState, subscriptionStreamId } from "../../domain/subscription/index.ts"
import type { EventMetadata } from "../ports/eventStore.ts"
import { bind, decideOn, quotaStream, serviceGuardStream, subscriptionStream, walletStream } from "../shared/streams.ts"

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
  decideOn({ subscription: bind(subscriptionStream, subscriptionStreamId(subscriptionId)) }, ({ subscription }) =>
    Either.map(decide(subscription), (events) => ({ events: { subscription: events }, result: undefined })), metadata)
