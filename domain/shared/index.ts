export * from "./calendar.ts"
export * from "./money.ts"
