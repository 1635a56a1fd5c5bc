import { Effect } from "effect"
import { normalizeCode } from "../../../application/coupon/terms.ts"
import { redeemCreditCoupon, validateCoupon } from "../../../application/coupon/useCases.ts"
import { CatalogConflict, CatalogEntryNotFound } from "../../../application/ports/catalog.ts"
import { Coupons } from "../../../application/ports/coupons.ts"
import { IdGenerator } from "../../../application/ports/ids.ts"
import { ok, route } from "../route.ts"
import {
  Coupon,
  CouponCheck,
  CouponRedemption,
  CouponStatistics,
  Nothing,
  pageOf,
  pageSlice,
  Paginated,
  RedemptionHistoryEntry,
  Updated
} from "../responses.ts"
import { IdParams, PageListQuery } from "../schemas.ts"
import { BulkStatusBody, CouponBody, CouponUpdateBody, RedeemCouponBody, ValidateCouponBody } from "./schemas.ts"

export const couponRoutes = [
  route({
    method: "post",
    path: "/api/wallet/validate-coupon",
    summary: "What a coupon would give (planId for discounts); redeems nothing",
    tag: "coupons",
    access: "user",
    response: CouponCheck,
    body: ValidateCouponBody,
    handle: ({ principal, body }) =>
      Effect.map(validateCoupon(principal.userId, body.code, body.planId), (r) => ok("Coupon checked", r))
  }),
  route({
    method: "post",
    path: "/api/wallet/redeem-coupon",
    summary: "Redeem a CREDIT_TOPUP coupon",
    tag: "coupons",
    access: "user",
    response: CouponRedemption,
    body: RedeemCouponBody,
    idempotent: true,
    handle: ({ principal, body, requestId }) =>
      Effect.map(
        redeemCreditCoupon(principal.userId, body.code, { actor: principal.userId, correlationId: requestId }),
        (r) => ok("Coupon redeemed", r, 201)
      )
  }),
  route({
    method: "get",
    path: "/api/wallet/coupon-history",
    summary: "The caller's coupon redemptions",
    tag: "coupons",
    access: "user",
    response: Paginated(RedemptionHistoryEntry),
    query: PageListQuery,
    handle: ({ principal, query }) =>
      Effect.map(
        Effect.flatMap(Coupons, (c) => c.redemptionsOf(principal.userId)),
        (r) => ok("Coupon history", pageSlice(r, query))
      )
  }),
  // Admin (fixed paths before /:id)
  route({
    method: "get",
    path: "/api/admin/coupons/statistics",
    summary: "Coupon usage statistics",
    tag: "admin",
    access: "admin",
    response: CouponStatistics,
    handle: () =>
      Effect.map(
        Effect.flatMap(Coupons, (c) => c.statistics),
        (s) => ok("Coupon statistics", s)
      )
  }),
  route({
    method: "put",
    path: "/api/admin/coupons/bulk-status",
    summary: "Activate or deactivate several coupons",
    tag: "admin",
    access: "admin",
    response: Updated,
    body: BulkStatusBody,
    handle: ({ principal, body }) =>
      Effect.map(
        Effect.flatMap(Coupons, (c) => c.setActive(principal.userId, body.ids, body.isActive)),
        (updated) => ok("Coupons updated", { updated })
      )
  }),
  route({
    method: "post",
    path: "/api/admin/coupons",
    summary: "Create a coupon",
    tag: "admin",
    access: "admin",
    response: Coupon,
    body: CouponBody,
    handle: ({ principal, body }) =>
      Effect.gen(function* () {
        const id = yield* (yield* IdGenerator).uuid
        const created = yield* (yield* Coupons).create(principal.userId, id, {
          ...body,
          code: normalizeCode(body.code)
        })
        return ok("Coupon created", created, 201)
      })
  }),
  route({
    method: "get",
    path: "/api/admin/coupons",
    summary: "All coupons",
    tag: "admin",
    access: "admin",
    response: Paginated(Coupon),
    query: PageListQuery,
    handle: ({ query }) =>
      Effect.map(
        Effect.flatMap(Coupons, (c) => c.list(query.page, query.limit)),
        (p) => ok("Coupons", pageOf(p.items, p.total, query.page, query.limit))
      )
  }),
  route({
    method: "get",
    path: "/api/admin/coupons/:id",
    summary: "A coupon",
    tag: "admin",
    access: "admin",
    response: Coupon,
    params: IdParams,
    handle: ({ params }) =>
      Effect.flatMap(
        Effect.flatMap(Coupons, (c) => c.byId(params.id)),
        (c) =>
          c
            ? Effect.succeed(ok("Coupon", c))
            : Effect.fail(new CatalogEntryNotFound({ entity: "coupon", id: params.id }))
      )
  }),
  route({
    method: "put",
    path: "/api/admin/coupons/:id",
    summary: "Update a coupon's terms",
    tag: "admin",
    access: "admin",
    response: Coupon,
    params: IdParams,
    body: CouponUpdateBody,
    handle: ({ principal, params, body }) =>
      Effect.flatMap(
        Effect.flatMap(Coupons, (c) => c.update(principal.userId, params.id, body)),
        (c) =>
          c
            ? Effect.succeed(ok("Coupon updated", c))
            : Effect.fail(new CatalogEntryNotFound({ entity: "coupon", id: params.id }))
      )
  }),
  route({
    method: "delete",
    path: "/api/admin/coupons/:id",
    summary: "Delete a coupon nobody redeemed",
    tag: "admin",
    access: "admin",
    response: Nothing,
    params: IdParams,
    handle: ({ principal, params }) =>
      Effect.gen(function* () {
        const outcome = yield* (yield* Coupons).remove(principal.userId, params.id)
        if (outcome === "missing") return yield* new CatalogEntryNotFound({ entity: "coupon", id: params.id })
        if (outcome === "used")
          return yield* new CatalogConflict({ entity: "coupon", reason: "it has been redeemed; deactivate it instead" })
        return ok("Coupon deleted", null)
      })
  })
]
