import { Schema } from "effect"
import { planIdOfQuotaStream, QuotaEvent } from "../../domain/quota/index.ts"
import { eventTypesOf, projection } from "./projection.ts"

const decode = Schema.decodeUnknownSync(QuotaEvent)

/** plans.total_quota / used_quota follow the plan-quota-<id> stream; the row's check is the backstop. */
export const quotaProjection = projection("plan-quotas", eventTypesOf(QuotaEvent), (tx, events) =>
  events.map((recorded) => {
    const event = decode(recorded.data)
    const planId = planIdOfQuotaStream(recorded.streamId)
    const change =
      event._tag === "QuotaCapacitySet"
        ? tx`total_quota = ${event.capacity}`
        : tx`used_quota = used_quota + ${event._tag === "QuotaSlotTaken" ? 1 : -1}`
    return tx`with u as (update plans set ${change}, updated_at = ${new Date(recorded.recordedAt)} where id = ${planId} returning 1)
      select expect_one_row((select count(*) from u), 'plans quota')`
  })
)
