import { Effect, Layer, Schema } from "effect"
import type postgres from "postgres"
import { CatalogConflict } from "../../application/ports/catalog.ts"
import { Coupons, type CouponView } from "../../application/ports/coupons.ts"
import { CouponEvent } from "../../domain/coupon/index.ts"
import { isUniqueViolation, Pg } from "./client.ts"
import { eventTypesOf, projection } from "./projection.ts"

type Row = Record<string, any>

const decode = Schema.decodeUnknownSync(CouponEvent)
const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const iso = (d: Date | null) => (d === null ? null : d.toISOString())

/** Redemptions read model and the coupon's used_count, in the redeeming transaction. */
export const couponProjection = projection("coupon-redemptions", eventTypesOf(CouponEvent), (tx, events) =>
  events.flatMap((recorded) => {
    const event = decode(recorded.data)
    const code = recorded.streamId.slice("coupon-".length)
    return [
      tx`insert into coupon_redemptions (redemption_id, code, user_id, coupon_type, amount, subscription_id, redeemed_at, position)
        values (${event.redemptionId}, ${code}, ${event.userId}, ${event.couponType}, ${event.amount}, ${event.subscriptionId},
          ${new Date(event.at)}, (select position from events where event_id = ${recorded.eventId}))`,
      tx`with u as (update coupons set used_count = used_count + 1 where code = ${code} returning 1)
        select expect_one_row((select count(*) from u), 'coupons')`
    ]
  })
)

const toView = (r: Row): CouponView => ({
  id: r["id"],
  code: r["code"],
  name: r["name"],
  type: r["coupon_type"],
  value: r["value"],
  discountKind: r["discount_kind"],
  serviceIds: r["service_ids"],
  planIds: r["plan_ids"],
  freePlanId: r["free_plan_id"],
  freeMonths: r["free_months"],
  validFrom: iso(r["valid_from"]),
  validUntil: iso(r["valid_until"]),
  maxUses: r["max_uses"],
  maxUsesPerUser: r["max_uses_per_user"],
  isActive: r["is_active"],
  usedCount: r["used_count"],
  createdAt: r["created_at"].toISOString(),
  updatedAt: r["updated_at"].toISOString()
})

const date = (s: string | null | undefined) => (s === null || s === undefined ? null : new Date(s))

export const CouponsPostgres = Layer.effect(
  Coupons,
  Effect.map(Pg, (sql) => {
    const audit = (
      tx: postgres.TransactionSql<{ bigint: number }>,
      actor: string,
      action: string,
      id: string,
      before: unknown,
      after: unknown
    ) =>
      tx`insert into admin_audit_log (actor, action, entity, entity_id, before, after, at)
        values (${actor}, ${action}, 'coupon', ${id}, ${before === undefined ? null : tx.json(before as never)}, ${after === undefined ? null : tx.json(after as never)}, now())`
    const one = async (
      db: postgres.Sql<{ bigint: number }> | postgres.TransactionSql<{ bigint: number }>,
      id: string
    ) => {
      if (!uuidShape.test(id)) return undefined
      const [row] = await db`select * from coupons where id = ${id}`
      return row && toView(row)
    }
    return Coupons.of({
      byCode: (code) =>
        Effect.promise(async () => {
          const [row] = await sql`select * from coupons where code = ${code}`
          return row && toView(row)
        }),
      byId: (id) => Effect.promise(() => one(sql as never, id)),
      list: (page, limit) =>
        Effect.promise(async () => {
          const [rows, [count]] = await Promise.all([
            sql`select * from coupons order by created_at desc limit ${limit} offset ${(page - 1) * limit}`,
            sql<Array<{ n: number }>>`select count(*)::int as n from coupons`
          ])
          return { items: rows.map(toView), total: count?.n ?? 0 }
        }),
      create: (actor, id, input) =>
        Effect.tryPromise({
          try: () =>
            sql.begin(async (tx) => {
              await tx`insert into coupons (id, code, name, coupon_type, value, discount_kind, service_ids, plan_ids, free_plan_id, free_months,
                valid_from, valid_until, max_uses, max_uses_per_user, is_active, created_by, created_at, updated_at)
              values (${id}, ${input.code}, ${input.name}, ${input.type}, ${input.value}, ${input.discountKind ?? null}, ${input.serviceIds ?? []},
                ${input.planIds ?? []}, ${input.freePlanId ?? null}, ${input.freeMonths ?? null}, ${date(input.validFrom)}, ${date(input.validUntil)},
                ${input.maxUses ?? null}, ${input.maxUsesPerUser ?? 1}, ${input.isActive ?? true}, ${actor}, now(), now())`
              const created = (await one(tx, id))!
              await audit(tx, actor, "create", id, undefined, created)
              return created
            }) as Promise<CouponView>,
          catch: (error) => error
        }).pipe(
          Effect.catchAll((error) =>
            isUniqueViolation(error)
              ? Effect.fail(new CatalogConflict({ entity: "coupon", reason: "code already in use" }))
              : Effect.die(error)
          )
        ),
      update: (actor, id, input) =>
        Effect.promise(
          () =>
            sql.begin(async (tx) => {
              const before = await one(tx, id)
              if (before === undefined) return undefined
              await tx`update coupons set
              name = ${input.name ?? before.name},
              value = ${input.value ?? before.value},
              discount_kind = ${input.discountKind === undefined ? before.discountKind : input.discountKind},
              service_ids = ${input.serviceIds ?? before.serviceIds},
              plan_ids = ${input.planIds ?? before.planIds},
              free_plan_id = ${input.freePlanId === undefined ? before.freePlanId : input.freePlanId},
              free_months = ${input.freeMonths === undefined ? before.freeMonths : input.freeMonths},
              valid_from = ${input.validFrom === undefined ? date(before.validFrom) : date(input.validFrom)},
              valid_until = ${input.validUntil === undefined ? date(before.validUntil) : date(input.validUntil)},
              max_uses = ${input.maxUses === undefined ? before.maxUses : input.maxUses},
              max_uses_per_user = ${input.maxUsesPerUser ?? before.maxUsesPerUser},
              is_active = ${input.isActive ?? before.isActive},
              updated_at = now()
            where id = ${id}`
              const after = (await one(tx, id))!
              await audit(tx, actor, "update", id, before, after)
              return after
            }) as Promise<CouponView | undefined>
        ),
      remove: (actor, id) =>
        Effect.promise(
          () =>
            sql.begin(async (tx) => {
              const before = await one(tx, id)
              if (before === undefined) return "missing" as const
              const [used] = await tx`select 1 from coupon_redemptions where code = ${before.code} limit 1`
              if (used !== undefined || before.usedCount > 0) return "used" as const
              await tx`delete from coupons where id = ${id}`
              await audit(tx, actor, "delete", id, before, undefined)
              return "deleted" as const
            }) as Promise<"deleted" | "missing" | "used">
        ),
      setActive: (actor, ids, active) =>
        Effect.promise(
          () =>
            sql.begin(async (tx) => {
              const valid = ids.filter((id) => uuidShape.test(id))
              const rows =
                await tx`update coupons set is_active = ${active}, updated_at = now() where id = any(${valid}::uuid[]) returning id`
              for (const r of rows)
                await audit(tx, actor, active ? "activate" : "deactivate", r["id"], undefined, { isActive: active })
              return rows.length
            }) as Promise<number>
        ),
      statistics: Effect.promise(async () => {
        const [totals] = await sql<
          Array<Row>
        >`select count(*)::int as total, count(*) filter (where is_active)::int as active from coupons`
        const [money] = await sql<Array<Row>>`select count(*)::int as redemptions,
            coalesce(sum(amount) filter (where coupon_type = 'CREDIT_TOPUP'), 0)::bigint as credit,
            coalesce(sum(amount) filter (where coupon_type <> 'CREDIT_TOPUP'), 0)::bigint as discount
          from coupon_redemptions`
        const byType = await sql<
          Array<Row>
        >`select c.coupon_type, count(distinct c.id)::int as coupons, count(r.redemption_id)::int as redemptions
          from coupons c left join coupon_redemptions r on r.code = c.code group by c.coupon_type`
        return {
          total: totals!["total"],
          active: totals!["active"],
          redemptions: money!["redemptions"],
          creditGranted: money!["credit"],
          discountGiven: money!["discount"],
          byType: Object.fromEntries(
            byType.map((r) => [r["coupon_type"], { coupons: r["coupons"], redemptions: r["redemptions"] }])
          )
        }
      }),
      redemptionsOf: (userId) =>
        Effect.promise(async () => {
          const rows = await sql`select * from coupon_redemptions where user_id = ${userId} order by position desc`
          return rows.map((r) => ({
            redemptionId: r["redemption_id"],
            code: r["code"],
            couponType: r["coupon_type"],
            amount: r["amount"],
            subscriptionId: r["subscription_id"],
            redeemedAt: r["redeemed_at"].toISOString()
          }))
        })
    })
  })
)
