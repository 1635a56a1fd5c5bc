import { Schema } from "effect"
import { ServiceTemplate } from "../../../application/catalog/serviceTemplate.ts"
import { PlanType } from "../../../domain/subscription/index.ts"
import { BoolFromString, Name, PageQuery, Uuid } from "../schemas.ts"

const Slug = Schema.String.pipe(
  Schema.pattern(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { message: () => "must be lowercase letters, digits and dashes" }),
  Schema.maxLength(64)
)

const SortOrder = Schema.Int.pipe(Schema.between(-10_000, 10_000))

export const SlugParams = Schema.Struct({ serviceSlug: Slug })

export const CategorySlugParams = Schema.Struct({ categorySlug: Slug })

export const PlanParams = Schema.Struct({ id: Uuid, planId: Uuid })

export const ServicesQuery = Schema.Struct({
  ...PageQuery,
  category: Schema.optional(Slug),
  featured: Schema.optional(BoolFromString)
})

export const SearchQuery = Schema.Struct({
  ...PageQuery,
  q: Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(100))
})

export const CategoryBody = Schema.Struct({
  name: Name,
  slug: Slug,
  description: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(1000)))),
  sortOrder: Schema.optional(SortOrder),
  isActive: Schema.optional(Schema.Boolean)
})

const EnvTemplate = Schema.Record({ key: Schema.String, value: Schema.String.pipe(Schema.maxLength(1000)) }).pipe(
  Schema.filter((env) => {
    const bad = Object.keys(env).find((k) => !/^[A-Za-z_][A-Za-z0-9_.]{0,127}$/.test(k))
    return bad === undefined || { path: [bad], message: "must be an environment variable name" }
  })
)

export const ServiceBody = Schema.Struct({
  categoryId: Uuid,
  name: Name,
  slug: Slug,
  description: Schema.optional(Schema.String.pipe(Schema.maxLength(5000))),
  icon: Schema.optional(
    Schema.NullOr(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(2048))).annotations({
      description: "a URL or an icon name"
    })
  ),
  dockerImage: Schema.String.pipe(
    Schema.pattern(/^[a-z0-9][a-z0-9._\-/:@]{0,254}$/i, { message: () => "must be a container image reference" })
  ),
  defaultPort: Schema.Int.pipe(Schema.between(1, 65_535)),
  envTemplate: Schema.optional(EnvTemplate),
  template: Schema.optional(ServiceTemplate),
  tags: Schema.optional(
    Schema.Array(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(40))).pipe(Schema.maxItems(20))
  ),
  isFeatured: Schema.optional(Schema.Boolean),
  isActive: Schema.optional(Schema.Boolean),
  isPublic: Schema.optional(Schema.Boolean),
  sortOrder: Schema.optional(SortOrder)
})

const Positive = (max: number) => Schema.Int.pipe(Schema.between(1, max))

const Bandwidth = Schema.Int.pipe(Schema.between(0, 1_000_000))

const planFields = {
  name: Name,
  planType: PlanType,
  monthlyPrice: Schema.Int.pipe(Schema.between(0, 100_000_000)),
  cpuMilli: Positive(64_000),
  memoryMb: Positive(262_144),
  storageGb: Positive(10_000),
  bandwidthGb: Schema.optional(Bandwidth),
  bandwidth: Schema.optional(
    Bandwidth.annotations({
      description: "Deprecated: the earlier version's name of `bandwidthGb`",
      jsonSchema: { deprecated: true }
    })
  ),
  totalQuota: Schema.Int.pipe(Schema.between(0, 1_000_000)),
  features: Schema.optional(
    Schema.Array(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))).pipe(Schema.maxItems(30))
  ),
  maxInstancesPerUser: Schema.optional(Positive(100)),
  isActive: Schema.optional(Schema.Boolean),
  isPopular: Schema.optional(Schema.Boolean),
  sortOrder: Schema.optional(SortOrder)
}

/** `bandwidth` (the earlier version's name) and `bandwidthGb` are one field: both given must agree. */
const oneBandwidth =
  (required: boolean) =>
  (plan: { readonly bandwidthGb?: number | undefined; readonly bandwidth?: number | undefined }) =>
    plan.bandwidthGb !== undefined && plan.bandwidth !== undefined && plan.bandwidthGb !== plan.bandwidth
      ? { path: ["bandwidth"], message: "must equal bandwidthGb (it is its deprecated name)" }
      : !required ||
        plan.bandwidthGb !== undefined ||
        plan.bandwidth !== undefined || { path: ["bandwidthGb"], message: "is missing" }

export const PlanBody = Schema.Struct(planFields).pipe(Schema.filter(oneBandwidth(true)))

export const PlanUpdateBody = Schema.Struct(planFields).pipe(
  Schema.omit("totalQuota"),
  Schema.partial,
  Schema.filter(oneBandwidth(false))
)

/** The plan fields under our names (`bandwidth` folded into `bandwidthGb`). */
export const planInput = <
  P extends { readonly bandwidthGb?: number | undefined; readonly bandwidth?: number | undefined }
>({
  bandwidth,
  ...plan
}: P) => ({ ...plan, bandwidthGb: plan.bandwidthGb ?? bandwidth })

export const QuotaBody = Schema.Struct({ totalQuota: Schema.Int.pipe(Schema.between(0, 1_000_000)) })
