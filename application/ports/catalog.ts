import { Context, Schema, type Effect } from "effect"

import type { PlanType } from "../../domain/subscription/index.ts"
import type { ServiceTemplate } from "../catalog/serviceTemplate.ts"
export type { PlanType }

export interface CategoryView {
  readonly id: string
  readonly name: string
  readonly slug: string
  readonly description: string | null
  readonly sortOrder: number
  readonly isActive: boolean
  readonly serviceCount: number
}

export interface PlanView {
  readonly id: string
  readonly serviceId: string
  readonly name: string
  readonly planType: PlanType
  readonly monthlyPrice: number
  readonly cpuMilli: number
  readonly memoryMb: number
  readonly storageGb: number
  readonly bandwidthGb: number
  /** The earlier version's name of bandwidthGb, kept for its clients. */
  readonly bandwidth: number
  readonly totalQuota: number
  readonly usedQuota: number
  readonly availableQuota: number
  readonly features: ReadonlyArray<string>
  readonly maxInstancesPerUser: number
  readonly isActive: boolean
  readonly isPopular: boolean
  readonly sortOrder: number
}

export interface ServiceView {
  readonly id: string
  readonly categoryId: string
  readonly categorySlug: string
  readonly name: string
  readonly slug: string
  readonly description: string
  /** A URL or an icon name shown beside the service's name (the seeds' Service.icon). */
  readonly icon: string | null
  readonly dockerImage: string
  readonly defaultPort: number
  readonly envTemplate: Readonly<Record<string, string>>
  /** How an instance runs: volumes, probes, security context, companion database, credentials shown. */
  readonly template: ServiceTemplate
  readonly tags: ReadonlyArray<string>
  readonly isFeatured: boolean
  readonly isActive: boolean
  readonly isPublic: boolean
  readonly sortOrder: number
  /** The lowest active plan price, for listings. */
  readonly startingPrice: number | null
}

export interface ServiceFilter {
  readonly categorySlug?: string | undefined
  readonly featured?: boolean | undefined
  readonly query?: string | undefined
  /** Admin listings include inactive and private services. */
  readonly includeHidden: boolean
  readonly page: number
  readonly limit: number
}

export interface CategoryInput {
  readonly name: string
  readonly slug: string
  readonly description?: string | null | undefined
  readonly sortOrder?: number | undefined
  readonly isActive?: boolean | undefined
}

export interface ServiceInput {
  readonly categoryId: string
  readonly name: string
  readonly slug: string
  readonly description?: string | undefined
  readonly icon?: string | null | undefined
  readonly dockerImage: string
  readonly defaultPort: number
  readonly envTemplate?: Readonly<Record<string, string>> | undefined
  readonly template?: ServiceTemplate | undefined
  readonly tags?: ReadonlyArray<string> | undefined
  readonly isFeatured?: boolean | undefined
  readonly isActive?: boolean | undefined
  readonly isPublic?: boolean | undefined
  readonly sortOrder?: number | undefined
}

export interface PlanInput {
  readonly name: string
  readonly planType: PlanType
  readonly monthlyPrice: number
  readonly cpuMilli: number
  readonly memoryMb: number
  readonly storageGb: number
  readonly bandwidthGb: number
  readonly totalQuota: number
  readonly features?: ReadonlyArray<string> | undefined
  readonly maxInstancesPerUser?: number | undefined
  readonly isActive?: boolean | undefined
  readonly isPopular?: boolean | undefined
  readonly sortOrder?: number | undefined
}

export class CatalogEntryNotFound extends Schema.TaggedError<CatalogEntryNotFound>()("CatalogEntryNotFound", {
  entity: Schema.String,
  id: Schema.String
}) {}

export class CatalogConflict extends Schema.TaggedError<CatalogConflict>()("CatalogConflict", {
  entity: Schema.String,
  reason: Schema.String
}) {}

type Admin<A> = Effect.Effect<A, CatalogEntryNotFound | CatalogConflict>

/** A partial update: absent or undefined fields keep their value. */
export type Changes<T> = { readonly [K in keyof T]?: T[K] | undefined }

export interface CatalogService {
  readonly categories: (includeHidden: boolean) => Effect.Effect<ReadonlyArray<CategoryView>>
  readonly services: (
    filter: ServiceFilter
  ) => Effect.Effect<{ readonly items: ReadonlyArray<ServiceView>; readonly total: number }>
  readonly serviceBySlug: (slug: string, includeHidden: boolean) => Effect.Effect<ServiceView | undefined>
  readonly serviceById: (id: string) => Effect.Effect<ServiceView | undefined>
  readonly plansOf: (serviceId: string, includeHidden: boolean) => Effect.Effect<ReadonlyArray<PlanView>>
  readonly planById: (id: string) => Effect.Effect<PlanView | undefined>
  /** Every plan, hidden ones included (the audit). */
  readonly allPlans: Effect.Effect<ReadonlyArray<PlanView>>
  /** Admin changes; each is written together with its admin_audit_log row (who, what, before/after). */
  readonly createCategory: (actor: string, id: string, input: CategoryInput) => Admin<CategoryView>
  readonly updateCategory: (actor: string, id: string, input: Changes<CategoryInput>) => Admin<CategoryView>
  readonly deleteCategory: (actor: string, id: string) => Admin<void>
  readonly createService: (actor: string, id: string, input: ServiceInput) => Admin<ServiceView>
  readonly updateService: (actor: string, id: string, input: Changes<ServiceInput>) => Admin<ServiceView>
  readonly deleteService: (actor: string, id: string) => Admin<void>
  readonly createPlan: (actor: string, serviceId: string, id: string, input: PlanInput) => Admin<PlanView>
  /** totalQuota is not changed here: capacity goes through the plan's quota stream. */
  readonly updatePlan: (actor: string, id: string, input: Changes<Omit<PlanInput, "totalQuota">>) => Admin<PlanView>
  readonly deletePlan: (actor: string, id: string) => Admin<void>
  readonly recordAdminAction: (entry: {
    actor: string
    action: string
    entity: string
    entityId: string
    before: unknown
    after: unknown
  }) => Effect.Effect<void>
}

export class Catalog extends Context.Tag("app/Catalog")<Catalog, CatalogService>() {}
