import { Context, type Effect } from "effect"
import type { CouponTerms, CouponType } from "../../domain/coupon/index.ts"
import type { CatalogConflict, Changes } from "./catalog.ts"

export interface CouponView extends CouponTerms {
  readonly id: string
  readonly name: string
  readonly usedCount: number
  readonly createdAt: string
  readonly updatedAt: string
}

export interface CouponInput {
  readonly code: string
  readonly name: string
  readonly type: CouponType
  readonly value: number
  readonly discountKind?: "PERCENT" | "FIXED" | null | undefined
  readonly serviceIds?: ReadonlyArray<string> | undefined
  readonly planIds?: ReadonlyArray<string> | undefined
  readonly freePlanId?: string | null | undefined
  readonly freeMonths?: number | null | undefined
  readonly validFrom?: string | null | undefined
  readonly validUntil?: string | null | undefined
  readonly maxUses?: number | null | undefined
  readonly maxUsesPerUser?: number | undefined
  readonly isActive?: boolean | undefined
}

export interface RedemptionView {
  readonly redemptionId: string
  readonly code: string
  readonly couponType: CouponType
  readonly amount: number
  readonly subscriptionId: string | null
  readonly redeemedAt: string
}

export interface CouponStatistics {
  readonly total: number
  readonly active: number
  readonly redemptions: number
  readonly creditGranted: number
  readonly discountGiven: number
  readonly byType: Readonly<Record<string, { readonly coupons: number; readonly redemptions: number }>>
}

export interface CouponsService {
  readonly byCode: (code: string) => Effect.Effect<CouponView | undefined>
  readonly byId: (id: string) => Effect.Effect<CouponView | undefined>
  readonly list: (
    page: number,
    limit: number
  ) => Effect.Effect<{ readonly items: ReadonlyArray<CouponView>; readonly total: number }>
  readonly create: (actor: string, id: string, input: CouponInput) => Effect.Effect<CouponView, CatalogConflict>
  readonly update: (
    actor: string,
    id: string,
    input: Changes<Omit<CouponInput, "code" | "type">>
  ) => Effect.Effect<CouponView | undefined>
  /** Only a coupon nobody redeemed can be deleted. */
  readonly remove: (actor: string, id: string) => Effect.Effect<"deleted" | "missing" | "used">
  readonly setActive: (actor: string, ids: ReadonlyArray<string>, active: boolean) => Effect.Effect<number>
  readonly statistics: Effect.Effect<CouponStatistics>
  readonly redemptionsOf: (userId: string) => Effect.Effect<ReadonlyArray<RedemptionView>>
}

export class Coupons extends Context.Tag("app/Coupons")<Coupons, CouponsService>() {}
