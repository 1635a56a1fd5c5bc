export * from "./aggregate.ts"
export * from "./decide.ts"
export * from "./errors.ts"
export * from "./events.ts"
export * from "./redeemCredit.ts"
export * from "./evolve.ts"
export * from "./state.ts"

export const couponStreamId = (code: string): string => `coupon-${code}`
export const isCouponStream = (streamId: string): boolean => streamId.startsWith("coupon-")
