import { Schema } from "effect"
import { CouponType } from "../../../domain/coupon/index.ts"
import { IsoDate, Name, Uuid } from "../schemas.ts"

const CouponCode = Schema.Trim.pipe(
  Schema.minLength(3),
  Schema.maxLength(40),
  Schema.pattern(/^[A-Za-z0-9_-]+$/, { message: () => "must be letters, digits, dashes or underscores" })
)

export const ValidateCouponBody = Schema.Struct({ code: CouponCode, planId: Schema.optional(Uuid) })

export const RedeemCouponBody = Schema.Struct({ code: CouponCode })

export const CouponBody = Schema.Struct({
  code: CouponCode,
  name: Name,
  type: CouponType,
  value: Schema.Int.pipe(Schema.between(0, 100_000_000)),
  discountKind: Schema.optional(Schema.NullOr(Schema.Literal("PERCENT", "FIXED"))),
  serviceIds: Schema.optional(Schema.Array(Uuid).pipe(Schema.maxItems(50))),
  planIds: Schema.optional(Schema.Array(Uuid).pipe(Schema.maxItems(50))),
  freePlanId: Schema.optional(Schema.NullOr(Uuid)),
  freeMonths: Schema.optional(Schema.NullOr(Schema.Int.pipe(Schema.between(1, 36)))),
  validFrom: Schema.optional(Schema.NullOr(IsoDate)),
  validUntil: Schema.optional(Schema.NullOr(IsoDate)),
  maxUses: Schema.optional(Schema.NullOr(Schema.Int.pipe(Schema.between(1, 10_000_000)))),
  maxUsesPerUser: Schema.optional(Schema.Int.pipe(Schema.between(1, 1_000))),
  isActive: Schema.optional(Schema.Boolean)
}).pipe(
  Schema.filter((c) => {
    if (c.type === "SUBSCRIPTION_DISCOUNT" && !c.discountKind)
      return { path: ["discountKind"], message: "is required for SUBSCRIPTION_DISCOUNT" }
    if (c.type === "SUBSCRIPTION_DISCOUNT" && c.discountKind === "PERCENT" && (c.value < 1 || c.value > 100))
      return { path: ["value"], message: "must be a percent between 1 and 100" }
    if (c.type === "FREE_SERVICE" && (!c.freePlanId || !c.freeMonths))
      return { path: ["freePlanId"], message: "freePlanId and freeMonths are required for FREE_SERVICE" }
    if (c.type === "CREDIT_TOPUP" && c.value < 1)
      return { path: ["value"], message: "must be at least 1 rupiah of credit" }
    return true
  })
)

export const CouponUpdateBody = Schema.Struct({
  name: Schema.optional(Name),
  value: Schema.optional(Schema.Int.pipe(Schema.between(0, 100_000_000))),
  validFrom: Schema.optional(Schema.NullOr(IsoDate)),
  validUntil: Schema.optional(Schema.NullOr(IsoDate)),
  maxUses: Schema.optional(Schema.NullOr(Schema.Int.pipe(Schema.between(1, 10_000_000)))),
  maxUsesPerUser: Schema.optional(Schema.Int.pipe(Schema.between(1, 1_000))),
  isActive: Schema.optional(Schema.Boolean)
})

export const BulkStatusBody = Schema.Struct({
  ids: Schema.Array(Uuid).pipe(Schema.minItems(1), Schema.maxItems(500)),
  isActive: Schema.Boolean
})
