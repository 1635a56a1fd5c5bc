import type { HealthStatus } from "./events.ts"

/** What the operating side knows about one instance (stream instance-ops-<subscriptionId>). */
export interface InstanceOpsState {
  readonly health: { readonly status: HealthStatus; readonly reason: string | null; readonly since: string } | undefined
  readonly maintenance: { readonly by: string; readonly reason: string; readonly since: string } | undefined
}

export const noInstanceOps: InstanceOpsState = { health: undefined, maintenance: undefined }
