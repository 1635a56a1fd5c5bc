export * from "./content.ts"
export * from "./schedule.ts"
export * from "./templates.ts"
