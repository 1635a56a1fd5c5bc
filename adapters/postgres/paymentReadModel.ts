import { Effect, Layer, Schema } from "effect"
import type postgres from "postgres"
import { LeaderLock, PaymentQueries, type PaymentView } from "../../application/ports/paymentQueries.ts"
import { PaymentEvent } from "../../domain/payment/index.ts"
import { Pg } from "./client.ts"
import { eventTypesOf, projection } from "./projection.ts"

const decode = Schema.decodeUnknownSync(PaymentEvent)

/** Inline projection of payment events into `payments`; every statement touches one row or raises. */
export const paymentProjection = projection("payments", eventTypesOf(PaymentEvent), (tx, events) =>
  events.map((recorded) => {
    const event = decode(recorded.data)
    const at = new Date(recorded.recordedAt)
    const update = (changes: postgres.PendingQuery<postgres.Row[]>) =>
      tx`with u as (update payments set ${changes}, updated_at = ${at} where order_id = ${event.orderId} returning 1)
         select expect_one_row((select count(*) from u), 'payments')`
    switch (event._tag) {
      case "TopUpRequested":
        return tx`insert into payments (order_id, user_id, amount, payment_method, status, expires_at, created_at, updated_at, position)
          values (${event.orderId}, ${event.userId}, ${event.amount}, ${event.paymentMethod}, 'PENDING', ${new Date(event.expiresAt)},
            ${at}, ${at}, (select position from events where event_id = ${recorded.eventId}))`
      case "SnapTransactionCreated":
        return update(tx`snap_token = ${event.snapToken}, redirect_url = ${event.redirectUrl}`)
      case "SnapTransactionFailed":
        return update(tx`status = 'FAILED', gateway_status = 'snap_failed'`)
      case "PaymentSettled":
        return update(tx`status = 'SETTLED', gateway_status = ${event.gatewayStatus}`)
      case "PaymentFailed":
        return update(tx`status = 'FAILED', gateway_status = ${event.gatewayStatus}`)
      case "TopUpCancelled":
        return update(tx`status = 'CANCELLED'`)
      case "TopUpExpired":
        return update(tx`status = 'EXPIRED', gateway_status = coalesce(gateway_status, 'expire')`)
      case "PaymentReversed":
        return update(tx`reversed_amount = reversed_amount + ${event.amount}, shortfall = shortfall + ${event.shortfall},
          gateway_status = ${event.kind}`)
    }
  })
)

interface PaymentRow {
  order_id: string
  user_id: string
  amount: number
  payment_method: PaymentView["paymentMethod"]
  status: PaymentView["status"]
  gateway_status: string | null
  snap_token: string | null
  redirect_url: string | null
  reversed_amount: number
  shortfall: number
  expires_at: Date
  created_at: Date
  updated_at: Date
  position: number
}

export const toPaymentView = (r: PaymentRow): PaymentView => ({
  orderId: r.order_id,
  userId: r.user_id,
  amount: r.amount,
  paymentMethod: r.payment_method,
  status: r.status,
  gatewayStatus: r.gateway_status,
  snapToken: r.snap_token,
  redirectUrl: r.redirect_url,
  reversedAmount: r.reversed_amount,
  shortfall: r.shortfall,
  expiresAt: r.expires_at.toISOString(),
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  position: r.position
})

export const PaymentQueriesPostgres = Layer.effect(
  PaymentQueries,
  Effect.map(Pg, (sql) =>
    PaymentQueries.of({
      find: (orderId) =>
        Effect.promise(async () => {
          const [row] = await sql<Array<PaymentRow>>`select * from payments where order_id = ${orderId}`
          return row && toPaymentView(row)
        }),
      all: Effect.promise(async () => (await sql<Array<PaymentRow>>`select * from payments`).map(toPaymentView)),
      pending: (olderThan, limit) =>
        Effect.promise(async () => {
          const rows = await sql<Array<PaymentRow>>`
            select * from payments where status = 'PENDING' and created_at < ${olderThan} order by created_at limit ${limit}`
          return rows.map(toPaymentView)
        })
    })
  )
)

/** Session advisory lock on a reserved connection: one replica runs a job at a time. */
export const LeaderLockPostgres = Layer.effect(
  LeaderLock,
  Effect.map(Pg, (sql) =>
    LeaderLock.of({
      runIfLeader: (name, effect) =>
        Effect.acquireUseRelease(
          Effect.promise(async () => {
            const conn = await sql.reserve()
            const [row] = await conn<
              Array<{ locked: boolean }>
            >`select pg_try_advisory_lock(hashtextextended(${name}, 0)) as locked`
            return { conn, locked: row!.locked }
          }),
          ({ locked }) => (locked ? Effect.as(effect, true) : Effect.succeed(false)),
          ({ conn, locked }) =>
            Effect.promise(async () => {
              if (locked) await conn`select pg_advisory_unlock(hashtextextended(${name}, 0))`.catch(() => undefined)
              conn.release()
            })
        )
    })
  )
)
