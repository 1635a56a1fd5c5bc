export * from "./calendar.ts"
export * from "./money.ts"
export * from "./aggregate.ts"
