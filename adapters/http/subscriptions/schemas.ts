import { Schema } from "effect"
import { PageQuery, Reason, Uuid } from "../schemas.ts"

/** An instance's resource name: a DNS label (it names its Kubernetes objects and its host). */
const InstanceName = Schema.String.pipe(
  Schema.pattern(/^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/, {
    message: () => "must be a DNS label: lowercase letters, digits and dashes, 1-40 characters"
  })
)

const SubscriptionCouponCode = Schema.String.pipe(Schema.maxLength(64))

export const SubscribeBody = Schema.Struct({
  planId: Uuid,
  couponCode: Schema.optional(SubscriptionCouponCode),
  instanceName: Schema.optional(InstanceName),
  autoRenew: Schema.optional(Schema.Boolean)
})

/** POST /api/instances: an instance is created by subscribing; `name` becomes its resource name. */
export const InstanceCreateBody = Schema.Struct({
  planId: Uuid,
  name: InstanceName,
  couponCode: Schema.optional(SubscriptionCouponCode),
  autoRenew: Schema.optional(Schema.Boolean)
})

export const UpgradeBody = Schema.Struct({ newPlanId: Uuid })

export const AutoRenewBody = Schema.Struct({ enabled: Schema.Boolean })

export const AdminSubscriptionsQuery = Schema.Struct({
  ...PageQuery,
  status: Schema.optional(Schema.Literal("PENDING_DEPLOYMENT", "ACTIVE", "FAILED", "CANCELLED", "EXPIRED")),
  userId: Schema.optional(Uuid),
  serviceId: Schema.optional(Uuid),
  planId: Schema.optional(Uuid),
  q: Schema.optional(Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(100)))
})

export const BonusSubscriptionBody = Schema.Struct({
  userId: Uuid,
  planId: Uuid,
  instanceName: SubscribeBody.fields.instanceName,
  reason: Reason
})

export const ForceCancelBody = Schema.Struct({
  refund: Schema.optionalWith(Schema.Literal("none", "prorated", "full"), { default: () => "prorated" as const }),
  reason: Reason
})

export const AdminRefundBody = Schema.Struct({
  amount: Schema.Int.pipe(Schema.between(1, 1_000_000_000)),
  reason: Reason
})

export const ExtendBody = Schema.Struct({ days: Schema.Int.pipe(Schema.between(1, 366)), reason: Reason })

export const AdminUpgradeBody = Schema.Struct({
  newPlanId: Uuid,
  bonus: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  reason: Reason
})

/**
 * Environment variables: every key is checked (a refined key schema in a Record would silently
 * drop bad keys instead of refusing them).
 */
const EnvVars = Schema.Record({ key: Schema.String, value: Schema.String.pipe(Schema.maxLength(4096)) }).pipe(
  Schema.filter((env) => {
    const keys = Object.keys(env)
    if (keys.length > 50) return "at most 50 variables"
    const bad = keys.find((k) => !/^[A-Z_][A-Z0-9_]{0,63}$/.test(k))
    return bad === undefined || { path: [bad], message: "environment variable names are UPPER_SNAKE_CASE" }
  })
)

export const InstanceUpdateBody = Schema.Struct({
  name: Schema.optional(Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(60))),
  env: Schema.optional(EnvVars),
  envVars: Schema.optional(
    EnvVars.annotations({
      description: "Deprecated: the earlier version's name of `env`",
      jsonSchema: { deprecated: true }
    })
  )
}).pipe(
  Schema.filter(
    (b) =>
      b.env === undefined ||
      b.envVars === undefined || { path: ["envVars"], message: "send env or envVars (its deprecated name), not both" }
  )
)
