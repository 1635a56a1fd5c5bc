export * from "./aggregate.ts"
export * from "./commands.ts"
export * from "./decide.ts"
export * from "./errors.ts"
export * from "./events.ts"
export * from "./gatewayReport.ts"
export * from "./evolve.ts"
export * from "./state.ts"

export const paymentStreamId = (orderId: string): string => `payment-${orderId}`
export const isPaymentStream = (streamId: string): boolean => streamId.startsWith("payment-")
