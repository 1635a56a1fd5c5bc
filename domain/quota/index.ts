/** Plan capacity: `used ≤ capacity`, and used = the subscriptions holding a slot (invariant 6). */
export const quotaStreamId = (planId: string): string => `plan-quota-${planId}`
export const isQuotaStream = (streamId: string): boolean => streamId.startsWith("plan-quota-")
export const planIdOfQuotaStream = (streamId: string): string => streamId.slice("plan-quota-".length)

export * from "./aggregate.ts"
export * from "./commands.ts"
export * from "./decide.ts"
export * from "./errors.ts"
export * from "./events.ts"
export * from "./evolve.ts"
export * from "./state.ts"
