import { couponProjection } from "../adapters/postgres/coupons.ts"
import { instanceOpsProjection } from "../adapters/postgres/instanceOpsReadModel.ts"
import { invoiceProjection } from "../adapters/postgres/invoices.ts"
import { notificationProjection } from "../adapters/postgres/notifications.ts"
import { paymentProjection } from "../adapters/postgres/paymentReadModel.ts"
import type { Projection } from "../adapters/postgres/projection.ts"
import { quotaProjection } from "../adapters/postgres/quotaReadModel.ts"
import { subscriptionProjection } from "../adapters/postgres/subscriptionReadModel.ts"
import { walletProjection } from "../adapters/postgres/walletReadModel.ts"

/**
 * The inline read models, each with the event types it handles, in the order their statements run
 * in every appending transaction (after the events and snapshots). A new read model is one line
 * here. The invoices come late: their statement takes the series' counter row (gapless numbers)
 * and holds it to COMMIT while concurrent batches queue on it, so only the outbox runs after them.
 * The notification outbox goes last: it reads the rows the projections before it just wrote.
 */
export const readModels: ReadonlyArray<Projection> = [
  walletProjection,
  paymentProjection,
  quotaProjection,
  subscriptionProjection,
  couponProjection,
  instanceOpsProjection,
  invoiceProjection,
  notificationProjection
]
