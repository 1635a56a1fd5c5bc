import { Schema, Struct } from "effect"
import { ServiceTemplate } from "../../application/catalog/serviceTemplate.ts"
import { Role } from "../../application/ports/users.ts"
import { CouponType } from "../../domain/coupon/index.ts"
import { Locale } from "../../domain/notification/index.ts"
import { HealthStatus } from "../../domain/operations/index.ts"
import { PaymentMethod as PaymentMethodCode } from "../../domain/payment/index.ts"
import { PlanType } from "../../domain/subscription/index.ts"

/**
 * What `data` holds in success responses, described for /openapi.json. A route declaring one of
 * these as its `response` is checked by the compiler: its handler's data must match the Schema's
 * encoded side. Named Schemas (identifier) become components/schemas entries.
 */

export const Rupiah = Schema.Int.annotations({ description: "integer rupiah" })
export const Timestamp = Schema.String.annotations({ format: "date-time", description: "ISO-8601 UTC" })
/** A field kept under the earlier version's name for its clients: deprecated in /openapi.json. */
const alias = <A, I>(schema: Schema.Schema<A, I>, of: string) =>
  schema.annotations({
    description: `Deprecated: the earlier version's name of \`${of}\``,
    jsonSchema: { deprecated: true }
  })
export const Id = Schema.String.annotations({ format: "uuid" })
const TransactionId = Schema.String.annotations({ description: "TXMP-<n>", examples: ["TXMP-101"] })
const Direction = Schema.Literal("CREDIT", "DEBIT")
/** How a ledger line moves the wallet, in every list of ledger lines (the wallet's point of view). */
const movementFields = {
  direction: Direction,
  amount: Rupiah,
  balanceBefore: Schema.NullOr(Rupiah),
  balanceAfter: Schema.NullOr(Rupiah)
}

export const Pagination = Schema.Struct({
  page: Schema.Int,
  limit: Schema.Int,
  total: Schema.Int,
  totalPages: Schema.Int
}).annotations({ identifier: "Pagination" })

/** The list shape of API.md: `{items, pagination}`. */
export const Paginated = <A, I>(item: Schema.Schema<A, I>) =>
  Schema.Struct({ items: Schema.Array(item), pagination: Pagination })

/** One page of a list in that shape. */
export const pageOf = <A>(items: ReadonlyArray<A>, total: number, page: number, limit: number) => ({
  items,
  pagination: { page, limit, total, totalPages: Math.ceil(total / limit) }
})

/** A whole list in the paginated shape of API.md, one page of it. */
export const pageSlice = <A>(all: ReadonlyArray<A>, query: { readonly page: number; readonly limit: number }) =>
  pageOf(all.slice((query.page - 1) * query.limit, query.page * query.limit), all.length, query.page, query.limit)

export const Nothing = Schema.Null

export const User = Schema.Struct({
  id: Id,
  name: Schema.String,
  email: Schema.String,
  phone: Schema.NullOr(Schema.String),
  avatar: Schema.NullOr(Schema.String),
  role: Role,
  isActive: Schema.Boolean,
  locale: Locale.annotations({ description: "the language of notifications and mails: id or en" }),
  createdAt: Timestamp,
  updatedAt: Timestamp
}).annotations({ identifier: "User" })

export const Session = Schema.Struct({
  user: User,
  accessToken: Schema.String,
  accessTokenExpiresAt: Timestamp,
  refreshToken: Schema.String,
  tokenType: Schema.Literal("Bearer")
}).annotations({ identifier: "Session" })

export const WalletInfo = Schema.Struct({
  balance: Rupiah,
  totalTopUp: Rupiah,
  totalSpent: Rupiah,
  currency: Schema.Literal("IDR"),
  runway: Schema.Struct({
    monthlyCost: Rupiah.annotations({ description: "the auto-renewing subscriptions' monthly prices, summed" }),
    renewalsCovered: Schema.NullOr(Schema.Int).annotations({
      description: "renewals the balance pays, in date order, before one fails; null: none fails"
    }),
    firstFailureAt: Schema.NullOr(Timestamp).annotations({
      description: "when the first renewal the balance cannot pay falls due"
    })
  }).annotations({ identifier: "WalletRunway" }),
  creditBalance: alias(Rupiah, "balance")
}).annotations({ identifier: "WalletInfo" })

export const LedgerEntry = Schema.Struct({
  id: TransactionId,
  transactionId: TransactionId,
  type: Schema.String,
  status: Schema.Literal("COMPLETED", "PENDING", "FAILED", "CANCELLED"),
  ...movementFields,
  description: Schema.String,
  cause: Schema.Struct({ type: Schema.String, id: Schema.String }),
  fromAccount: Schema.String,
  toAccount: Schema.String,
  createdAt: Timestamp
}).annotations({ identifier: "LedgerEntry" })

export const CreditAdjustment = Schema.Struct({
  transactionId: TransactionId,
  userId: Id,
  amount: Schema.Int,
  balance: Rupiah,
  applied: Schema.Boolean
}).annotations({ identifier: "CreditAdjustment" })

export const TopUp = Schema.Struct({
  transactionId: TransactionId,
  amount: Rupiah,
  status: Schema.Literal("PENDING"),
  snapToken: Schema.String,
  redirectUrl: Schema.String,
  expiresAt: Timestamp
}).annotations({ identifier: "TopUp" })

export const Payment = Schema.Struct({
  transactionId: TransactionId,
  amount: Rupiah,
  paymentMethod: PaymentMethodCode,
  status: Schema.String,
  gatewayStatus: Schema.NullOr(Schema.String),
  snapToken: Schema.NullOr(Schema.String),
  redirectUrl: Schema.NullOr(Schema.String),
  reversedAmount: Rupiah,
  expiresAt: Timestamp,
  createdAt: Timestamp,
  updatedAt: Timestamp
}).annotations({ identifier: "Payment" })

export const PaymentMethod = Schema.Struct({
  code: Schema.String,
  name: Schema.String,
  channels: Schema.Array(Schema.String),
  minAmount: Rupiah,
  maxAmount: Rupiah,
  currency: Schema.String
}).annotations({ identifier: "PaymentMethod" })

export const NotificationOutcome = Schema.Struct({ orderId: Schema.String, applied: Schema.Boolean })

export const Category = Schema.Struct({
  id: Id,
  name: Schema.String,
  slug: Schema.String,
  description: Schema.NullOr(Schema.String),
  sortOrder: Schema.Int,
  isActive: Schema.Boolean,
  serviceCount: Schema.Int
}).annotations({ identifier: "Category" })

export const Plan = Schema.Struct({
  id: Id,
  serviceId: Id,
  name: Schema.String,
  planType: PlanType,
  monthlyPrice: Rupiah,
  cpuMilli: Schema.Int,
  memoryMb: Schema.Int,
  storageGb: Schema.Int,
  bandwidthGb: Schema.Int,
  bandwidth: alias(Schema.Int, "bandwidthGb"),
  totalQuota: Schema.Int,
  usedQuota: Schema.Int,
  availableQuota: Schema.Int,
  features: Schema.Array(Schema.String),
  maxInstancesPerUser: Schema.Int,
  isActive: Schema.Boolean,
  isPopular: Schema.Boolean,
  sortOrder: Schema.Int
}).annotations({ identifier: "Plan" })

const serviceFields = {
  id: Id,
  categoryId: Id,
  categorySlug: Schema.String,
  name: Schema.String,
  slug: Schema.String,
  description: Schema.String,
  icon: Schema.NullOr(Schema.String).annotations({ description: "a URL or an icon name (the seeds' Service.icon)" }),
  dockerImage: Schema.String,
  defaultPort: Schema.Int,
  envTemplate: Schema.Record({ key: Schema.String, value: Schema.String }),
  template: ServiceTemplate,
  tags: Schema.Array(Schema.String),
  isFeatured: Schema.Boolean,
  isActive: Schema.Boolean,
  isPublic: Schema.Boolean,
  sortOrder: Schema.Int,
  startingPrice: Schema.NullOr(Rupiah)
}
export const Service = Schema.Struct(serviceFields).annotations({ identifier: "Service" })
export const ServiceWithPlans = Schema.Struct({ ...serviceFields, plans: Schema.Array(Plan) }).annotations({
  identifier: "ServiceWithPlans"
})

/** A subscription's plan as embedded in subscription and instance views: the tier and its price today. */
export const PlanSummary = Schema.Struct({
  id: Id,
  name: Schema.String,
  planType: PlanType.annotations({ description: "the tier" }),
  monthlyPrice: Rupiah,
  cpuMilli: Schema.Int,
  memoryMb: Schema.Int,
  storageGb: Schema.Int,
  bandwidthGb: Schema.Int
}).annotations({ identifier: "PlanSummary" })

export const ServiceSummary = Schema.Struct({
  id: Id,
  name: Schema.String,
  slug: Schema.String,
  icon: Schema.NullOr(Schema.String),
  categorySlug: Schema.String
}).annotations({ identifier: "ServiceSummary" })

const instanceFields = {
  id: Id,
  name: Schema.String,
  resourceName: Schema.String,
  status: Schema.String,
  error: Schema.NullOr(Schema.String),
  namespace: Schema.String.annotations({ description: "the owner's namespace in the cluster" }),
  publicUrl: Schema.NullOr(Schema.String).annotations({
    description: "https://<name>-<id8>.<base domain>; null for a service not served over HTTP"
  }),
  adminUrl: Schema.NullOr(Schema.String).annotations({
    description: "the app's administration page, where it has one (/wp-admin, /ghost)"
  }),
  lastStartedAt: Schema.NullOr(Timestamp).annotations({
    description: "when the instance last came up (provisioned, started, restarted, reactivated)"
  }),
  lastStoppedAt: Schema.NullOr(Timestamp).annotations({
    description: "when it last stopped serving (stopped, suspended, cancelled, expired)"
  }),
  lastStarted: alias(Schema.NullOr(Timestamp), "lastStartedAt"),
  lastStopped: alias(Schema.NullOr(Timestamp), "lastStoppedAt")
}

/** A subscription's instance as embedded in its views. */
export const InstanceSummary = Schema.Struct(instanceFields).annotations({ identifier: "InstanceSummary" })

const subscriptionFields = {
  id: Id,
  userId: Id,
  serviceId: Id,
  planId: Id,
  planType: Schema.String,
  monthlyPrice: Rupiah,
  status: Schema.String.annotations({ description: "PENDING_DEPLOYMENT until its instance runs, ACTIVE, CANCELLED…" }),
  instanceName: Schema.String,
  instanceStatus: Schema.String,
  autoRenew: Schema.Boolean,
  periodStart: Timestamp,
  periodEnd: Timestamp,
  nextBillingDate: Schema.NullOr(Timestamp),
  startDate: alias(Timestamp, "periodStart"),
  endDate: alias(Timestamp, "periodEnd"),
  nextBilling: alias(Schema.NullOr(Timestamp), "nextBillingDate"),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  cancelledAt: Schema.NullOr(Timestamp),
  instanceError: Schema.NullOr(Schema.String),
  displayName: Schema.String,
  renewalStatus: Schema.Literal("ACTIVE", "GRACE", "SUSPENDED", "EXPIRED", "CANCELLED").annotations({
    description: "where the subscription stands with renewals"
  }),
  graceEndsAt: Schema.NullOr(Timestamp).annotations({ description: "in grace: suspended at this time unless renewed" }),
  renewalAttemptedAt: Schema.NullOr(Timestamp),
  suspendedAt: Schema.NullOr(Timestamp),
  retentionEndsAt: Schema.NullOr(Timestamp).annotations({
    description: "suspended: can be reactivated until then, expires after"
  }),
  freeMonthsLeft: Schema.Int.annotations({ description: "FREE_SERVICE renewals still to come" }),
  lastStartedAt: Schema.NullOr(Timestamp),
  lastStoppedAt: Schema.NullOr(Timestamp),
  plan: Schema.NullOr(PlanSummary).annotations({ description: "the plan (null only if the catalog lost it)" }),
  service: Schema.NullOr(ServiceSummary).annotations({ description: "the service (null only if the catalog lost it)" }),
  instance: InstanceSummary
}
export const Subscription = Schema.Struct(subscriptionFields).annotations({ identifier: "Subscription" })

/** A ledger entry as a subscription's detail lists it (its charges and their refunds). */
export const SubscriptionTransaction = Schema.Struct({
  transactionId: TransactionId,
  type: Schema.String,
  status: Schema.String,
  ...movementFields,
  description: Schema.String,
  createdAt: Timestamp
}).annotations({ identifier: "SubscriptionTransaction" })

export const SubscriptionDetail = Schema.Struct({
  ...subscriptionFields,
  transactions: Schema.Array(SubscriptionTransaction)
}).annotations({ identifier: "SubscriptionDetail" })

export const SubscriptionValidation = Schema.Struct({
  valid: Schema.Boolean,
  price: Rupiah,
  discount: Rupiah,
  balance: Rupiah,
  balanceAfter: Schema.Int,
  errors: Schema.Array(Schema.Struct({ code: Schema.String, details: Schema.Unknown })),
  plan: Plan,
  quotaAvailable: Schema.Boolean
}).annotations({ identifier: "SubscriptionValidation" })

const instanceHealthFields = {
  healthStatus: Schema.NullOr(HealthStatus).annotations({
    description: "the reconciliation loop's last verdict; null before its first look"
  }),
  healthReason: Schema.NullOr(Schema.String),
  lastHealthCheck: Schema.NullOr(Timestamp)
}

export const Instance = Schema.Struct({
  ...instanceFields,
  subscriptionId: Id,
  planId: Id,
  serviceId: Id,
  plan: Schema.NullOr(PlanSummary),
  service: Schema.NullOr(ServiceSummary),
  ...instanceHealthFields,
  createdAt: Timestamp,
  updatedAt: Timestamp
}).annotations({ identifier: "Instance" })

export const InstanceStatus = Schema.Struct({
  ...Struct.pick(
    instanceFields,
    "id",
    "status",
    "error",
    "publicUrl",
    "adminUrl",
    "namespace",
    "lastStartedAt",
    "lastStoppedAt"
  ),
  ...instanceHealthFields
})

export const InstanceCredentials = Schema.Struct({
  instanceId: Id,
  status: Schema.String,
  credentials: Schema.Array(Schema.Struct({ name: Schema.String, description: Schema.String, value: Schema.String }))
}).annotations({
  identifier: "InstanceCredentials",
  description: "generated per instance, crypto-random; kept only in the instance's Secret"
})

const Usage = Schema.Struct({ used: Schema.Number, limit: Schema.Number, percentage: Schema.Number })
export const InstanceMetrics = Schema.Struct({
  instanceId: Id,
  status: Schema.String,
  cpu: Schema.NullOr(Usage).annotations({ description: "millicores; null when usage is unknown (see reason)" }),
  memory: Schema.NullOr(Usage).annotations({ description: "MiB; null when usage is unknown (see reason)" }),
  metrics: Schema.NullOr(Schema.Struct({ cpu: Usage, memory: Usage })).annotations({
    description: "cpu and memory together; null when the metrics API is absent or has no sample"
  }),
  reason: Schema.NullOr(Schema.String).annotations({ description: "why metrics is null" }),
  urls: Schema.Struct({ public: Schema.NullOr(Schema.String), admin: Schema.NullOr(Schema.String) }),
  timestamp: Timestamp
}).annotations({ identifier: "InstanceMetrics" })

export const Coupon = Schema.Struct({
  id: Id,
  code: Schema.String,
  name: Schema.String,
  type: CouponType,
  isActive: Schema.Boolean,
  validFrom: Schema.NullOr(Timestamp),
  validUntil: Schema.NullOr(Timestamp),
  maxUses: Schema.NullOr(Schema.Int),
  maxUsesPerUser: Schema.Int,
  value: Schema.Int.annotations({
    description: "CREDIT_TOPUP: rupiah credited; SUBSCRIPTION_DISCOUNT: percent or rupiah off"
  }),
  discountKind: Schema.NullOr(Schema.Literal("PERCENT", "FIXED")),
  serviceIds: Schema.Array(Id),
  planIds: Schema.Array(Id),
  freePlanId: Schema.NullOr(Id),
  freeMonths: Schema.NullOr(Schema.Int),
  usedCount: Schema.Int,
  createdAt: Timestamp,
  updatedAt: Timestamp
}).annotations({ identifier: "Coupon" })

export const CouponCheck = Schema.Struct({
  valid: Schema.Boolean,
  code: Schema.String,
  type: CouponType,
  reason: Schema.NullOr(Schema.String),
  benefit: Rupiah,
  freeMonths: Schema.optional(Schema.NullOr(Schema.Int))
}).annotations({ identifier: "CouponCheck" })

export const CouponRedemption = Schema.Struct({
  code: Schema.String,
  redemptionId: Schema.String,
  credited: Rupiah,
  transactionId: Schema.NullOr(TransactionId)
}).annotations({ identifier: "CouponRedemption" })

export const RedemptionHistoryEntry = Schema.Struct({
  redemptionId: Schema.String,
  code: Schema.String,
  couponType: CouponType,
  amount: Rupiah,
  subscriptionId: Schema.NullOr(Id),
  redeemedAt: Timestamp
}).annotations({ identifier: "Redemption" })

export const CouponStatistics = Schema.Struct({
  total: Schema.Int,
  active: Schema.Int,
  redemptions: Schema.Int,
  creditGranted: Rupiah,
  discountGiven: Rupiah,
  byType: Schema.Record({ key: Schema.String, value: Schema.Struct({ coupons: Schema.Int, redemptions: Schema.Int }) })
}).annotations({ identifier: "CouponStatistics" })

export const Updated = Schema.Struct({ updated: Schema.Int })

export const UserStats = Schema.Struct({
  total: Schema.Int,
  active: Schema.Int,
  administrators: Schema.Int,
  registeredLast30Days: Schema.Int
})
export const UserDetail = Schema.Struct({
  ...User.fields,
  wallet: Schema.Struct({ userId: Id, balance: Rupiah, totalTopUp: Rupiah, totalSpent: Rupiah })
}).annotations({ identifier: "UserDetail" })

export const SubscriptionStats = Schema.Struct({
  total: Schema.Int,
  byStatus: Schema.Record({ key: Schema.String, value: Schema.Int }),
  byPlan: Schema.Array(Schema.Struct({ planId: Id, planType: Schema.String, active: Schema.Int })),
  monthlyRecurringRevenue: Rupiah
}).annotations({ identifier: "SubscriptionStats" })

export const AdminRefund = Schema.Struct({
  subscriptionId: Id,
  refunded: Schema.Array(Schema.Struct({ transactionId: TransactionId, amount: Rupiah }))
})

/** A ledger entry as the administrators' transaction list shows it (every user's). */
export const AdminLedgerEntry = Schema.Struct({
  transactionId: TransactionId,
  userId: Id,
  type: Schema.String,
  status: Schema.String,
  ...movementFields,
  fromAccount: Schema.String,
  toAccount: Schema.String,
  causeType: Schema.String,
  causeId: Schema.String,
  description: Schema.String,
  position: Schema.Int,
  createdAt: Timestamp
}).annotations({ identifier: "AdminLedgerEntry" })

const Period = Schema.String.annotations({ description: "YYYY-MM-DD or YYYY-MM" })
export const RevenueReport = Schema.Array(
  Schema.Struct({
    period: Period,
    charged: Rupiah,
    refunded: Rupiah,
    net: Rupiah,
    toppedUp: Rupiah,
    couponCredit: Rupiah
  })
)
export const QuotaReport = Schema.Array(
  Schema.Struct({
    planId: Id,
    planName: Schema.String,
    serviceName: Schema.String,
    totalQuota: Schema.Int,
    usedQuota: Schema.Int,
    utilisation: Schema.Number
  })
)
export const SubscriptionsReport = Schema.Struct({
  periods: Schema.Array(Schema.Struct({ period: Period, created: Schema.Int, ended: Schema.Int })),
  byStatus: Schema.Record({ key: Schema.String, value: Schema.Int })
})
export const ServiceControlReport = Schema.Array(
  Schema.Struct({ period: Period, stops: Schema.Int, starts: Schema.Int, restarts: Schema.Int })
)

const PodMetrics = Schema.Struct({
  phase: Schema.String,
  cpu: Schema.Struct({ usedMilli: Schema.Number, limitMilli: Schema.Number }),
  memory: Schema.Struct({ usedMb: Schema.Number, limitMb: Schema.Number })
})
export const Pod = Schema.Struct({
  namespace: Schema.String,
  name: Schema.String,
  instanceId: Id,
  subscriptionStatus: Schema.NullOr(Schema.String),
  instanceStatus: Schema.NullOr(Schema.String),
  ownerId: Schema.NullOr(Id),
  serviceId: Schema.NullOr(Id),
  serviceSlug: Schema.NullOr(Schema.String),
  phase: Schema.NullOr(Schema.String).annotations({ description: "the app pod's phase (Stopped when scaled to 0)" }),
  node: Schema.NullOr(Schema.String).annotations({ description: "the node the app pod runs on" }),
  restarts: Schema.Int,
  metrics: Schema.NullOr(PodMetrics),
  metricsReason: Schema.NullOr(Schema.String).annotations({ description: "why metrics is null" })
}).annotations({ identifier: "Pod" })
export const OrphanCleanup = Schema.Struct({
  removed: Schema.Array(Schema.Struct({ namespace: Schema.String, name: Schema.String }))
})
const Capacity = Schema.Struct({ capacity: Schema.Number, requested: Schema.Number })
const NodeResources = Schema.Struct({ cpuMilli: Schema.Number, memoryMb: Schema.Number, pods: Schema.Int })
export const Node = Schema.Struct({
  name: Schema.String,
  ready: Schema.Boolean,
  unschedulable: Schema.Boolean.annotations({ description: "cordoned: no new pods are scheduled there" }),
  cpuMilli: Capacity.annotations({ description: "allocatable millicores and the sum of its pods' requests" }),
  memoryMb: Capacity.annotations({ description: "allocatable MiB and the sum of its pods' requests" }),
  capacity: NodeResources,
  allocatable: NodeResources,
  conditions: Schema.Array(
    Schema.Struct({
      type: Schema.String,
      status: Schema.String,
      reason: Schema.NullOr(Schema.String),
      message: Schema.NullOr(Schema.String)
    })
  ),
  pods: Schema.Int,
  usage: Schema.NullOr(Schema.Struct({ cpuMilli: Schema.Number, memoryMb: Schema.Number })).annotations({
    description: "live, from metrics.k8s.io NodeMetrics"
  }),
  usageReason: Schema.NullOr(Schema.String).annotations({ description: "why usage is null" })
}).annotations({ identifier: "Node" })
export const ClusterHealth = Schema.Struct({
  nodes: Schema.Struct({ total: Schema.Int, ready: Schema.Int }),
  instances: Schema.Struct({ total: Schema.Int, byStatus: Schema.Record({ key: Schema.String, value: Schema.Int }) }),
  orphaned: Schema.Int
})

const SnapshotPosition = Schema.Struct({
  position: Schema.Int.annotations({ description: "highest event position in the snapshot: consistent up to here" }),
  events: Schema.Int,
  snapshot: Schema.String.annotations({ description: "PostgreSQL's snapshot (xmin:xmax:xip…)" })
}).annotations({ identifier: "SnapshotPosition" })

export const AuditReport = Schema.Struct({
  ok: Schema.Boolean,
  verdict: Schema.Literal("AUDIT OK", "AUDIT FAILED"),
  consistentUpTo: Schema.optional(SnapshotPosition),
  eventsChecked: Schema.Int,
  streamsChecked: Schema.Int,
  streamsByKind: Schema.Record({ key: Schema.String, value: Schema.Int }),
  checked: Schema.Record({ key: Schema.String, value: Schema.Int }).annotations({
    description: "counts per check: wallets, payments, subscriptions, quotas…"
  }),
  accountsByKind: Schema.Record({ key: Schema.String, value: Schema.Struct({ accounts: Schema.Int, total: Rupiah }) }),
  accountSum: Rupiah,
  problemCount: Schema.Int,
  problems: Schema.Array(
    Schema.Struct({
      position: Schema.optional(Schema.Int),
      streamId: Schema.optional(Schema.String),
      version: Schema.optional(Schema.Int),
      eventId: Schema.optional(Schema.String),
      problem: Schema.String
    })
  ).annotations({ description: "the first problems, each naming the event that caused it where there is one" }),
  seconds: Schema.optional(Schema.Number),
  eventsPerSecond: Schema.optional(Schema.Int),
  accounts: Schema.optional(Schema.Record({ key: Schema.String, value: Rupiah })).annotations({
    description: "every account's replayed balance (accounts=true)"
  })
}).annotations({ identifier: "AuditReport" })

export const Statement = Schema.Struct({
  userId: Schema.String,
  from: Timestamp,
  to: Timestamp,
  consistentUpTo: SnapshotPosition,
  openingBalance: Rupiah,
  credits: Rupiah,
  debits: Rupiah,
  closingBalance: Rupiah,
  lines: Schema.Array(
    Schema.Struct({
      position: Schema.Int,
      version: Schema.Int,
      eventId: Id,
      hash: Schema.String.annotations({ description: "the event's hash (docs/ledger-hash-spec.md)" }),
      recordedAt: Timestamp,
      transactionId: TransactionId,
      kind: Schema.String,
      direction: Direction,
      amount: Rupiah,
      counterparty: Schema.String,
      description: Schema.String,
      balanceAfter: Rupiah
    })
  )
}).annotations({ identifier: "Statement" })

export const PeriodTotals = Schema.Struct({
  from: Timestamp,
  to: Timestamp,
  consistentUpTo: SnapshotPosition,
  movements: Schema.Int,
  wallets: Schema.Int,
  topUps: Rupiah,
  topUpReversals: Rupiah,
  charges: Rupiah,
  refunds: Rupiah,
  couponCredits: Rupiah,
  adjustmentCredits: Rupiah,
  adjustmentDebits: Rupiah,
  netRevenue: Rupiah
}).annotations({ identifier: "PeriodTotals" })
export const RenewalCounts = Schema.Struct({
  renewed: Schema.Int,
  graceStarted: Schema.Int,
  retriesFailed: Schema.Int,
  suspended: Schema.Int,
  expired: Schema.Int,
  failed: Schema.Int
}).annotations({ identifier: "RenewalCounts" })

export const RenewalQueue = Schema.Struct({
  status: Schema.Literal("due", "grace", "suspended"),
  items: Schema.Array(Subscription),
  pagination: Pagination
}).annotations({ identifier: "RenewalQueue" })

export const RenewalRetry = Schema.Struct({ subscription: Subscription, counts: RenewalCounts }).annotations({
  identifier: "RenewalRetry"
})
