export * from "./money.ts"
