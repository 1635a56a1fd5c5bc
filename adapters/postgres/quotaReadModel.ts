import { Schema } from "effect"
import type postgres from "postgres"
import type { RecordedEvent } from "../../application/ports/eventStore.ts"
import { isQuotaStream, planIdOfQuotaStream, QuotaEvent } from "../../domain/quota/index.ts"

type Tx = postgres.ReservedSql<{ bigint: number }>

const decode = Schema.decodeUnknownSync(QuotaEvent)

/** plans.total_quota / used_quota follow the plan-quota-<id> stream; the row's check is the backstop. */
export const quotaProjector = (tx: Tx, events: ReadonlyArray<RecordedEvent>): ReadonlyArray<Promise<unknown>> =>
  events.filter((e) => isQuotaStream(e.streamId)).map((recorded) => {
    const event = decode(recorded.data)
    const planId = planIdOfQuotaStream(recorded.streamId)
    const change = event._tag === "QuotaCapacitySet"
      ? tx`total_quota = ${event.capacity}`
      : tx`used_quota = used_quota + ${event._tag === "QuotaSlotTaken" ? 1 : -1}`
    return tx`with u as (update plans set ${change}, updated_at = ${new Date(recorded.recordedAt)} where id = ${planId} returning 1)
      select expect_one_row((select count(*) from u), 'plans quota')`
  })
