export * from "./aggregate.ts"
export * from "./commands.ts"
export * from "./decide.ts"
export * from "./ending.ts"
export * from "./errors.ts"
export * from "./events.ts"
export * from "./evolve.ts"
export * from "./proration.ts"
export * from "./provisioning.ts"
export * from "./renewal.ts"
export * from "./runway.ts"
export * from "./state.ts"
export * from "./subscribe.ts"
export * from "./upgrade.ts"

export const subscriptionStreamId = (id: string): string => `subscription-${id}`
export const isSubscriptionStream = (streamId: string): boolean => streamId.startsWith("subscription-")
export const serviceGuardStreamId = (userId: string, serviceId: string): string => `user-service-${userId}-${serviceId}`
