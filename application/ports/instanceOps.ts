import { Context, type Effect } from "effect"
import type { HealthStatus } from "../../domain/operations/index.ts"

/** The operating side of one instance, as the read model holds it. */
export interface InstanceOpsView {
  readonly subscriptionId: string
  readonly healthStatus: HealthStatus | null
  readonly healthReason: string | null
  readonly healthChangedAt: string | null
  readonly lastHealthCheck: string | null
  readonly maintenance: { readonly by: string; readonly reason: string; readonly since: string } | null
  readonly lastRepair: { readonly repair: string; readonly at: string } | null
}

export interface ReconciliationRun {
  readonly replica: string
  readonly startedAt: string
  readonly finishedAt: string
  readonly checked: number
  readonly repaired: number
  readonly healthChanges: number
  readonly failed: number
}

export interface InstanceOpsQueriesService {
  readonly find: (subscriptionId: string) => Effect.Effect<InstanceOpsView | undefined>
  /** Instances by their last health verdict (HEALTHY, DEGRADED, DOWN). */
  readonly healthCounts: Effect.Effect<Readonly<Record<string, number>>>
  readonly markChecked: (subscriptionIds: ReadonlyArray<string>, at: Date) => Effect.Effect<void>
  readonly recordRun: (run: ReconciliationRun) => Effect.Effect<void>
  readonly lastRun: Effect.Effect<ReconciliationRun | undefined>
}

export class InstanceOpsQueries extends Context.Tag("app/InstanceOpsQueries")<
  InstanceOpsQueries,
  InstanceOpsQueriesService
>() {}
