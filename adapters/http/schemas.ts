import { Schema } from "effect"

const trimmed = (min: number, max: number) =>
  Schema.Trim.pipe(Schema.minLength(min), Schema.maxLength(max))

export const Email = Schema.Trim.pipe(
  Schema.maxLength(254),
  Schema.pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: () => "must be an email address" }),
  Schema.annotations({ description: "email address", examples: ["ayu@example.com"] })
)

export const Password = Schema.String.pipe(
  Schema.minLength(8, { message: () => "must be at least 8 characters" }),
  Schema.maxLength(128)
)

export const Phone = Schema.Trim.pipe(
  Schema.pattern(/^\+?[0-9]{8,15}$/, { message: () => "must be 8-15 digits, optionally starting with +" })
)

export const Uuid = Schema.String.pipe(
  Schema.pattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: () => "must be a UUID" })
)

export const RegisterBody = Schema.Struct({
  name: trimmed(1, 100),
  email: Email,
  password: Password,
  phone: Schema.optional(Phone)
})

export const LoginBody = Schema.Struct({
  email: Email,
  password: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(128))
})

export const RefreshBody = Schema.Struct({
  refreshToken: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))
})

export const ProfileBody = Schema.Struct({
  name: Schema.optional(trimmed(1, 100)),
  phone: Schema.optional(Schema.NullOr(Phone)),
  avatar: Schema.optional(Schema.NullOr(Schema.String.pipe(
    Schema.maxLength(2048),
    Schema.pattern(/^https?:\/\/\S+$/, { message: () => "must be an http(s) URL" })
  )))
})

export const PasswordBody = Schema.Struct({
  currentPassword: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(128)),
  newPassword: Password
})

const PageNumber = Schema.NumberFromString.pipe(Schema.int(), Schema.greaterThanOrEqualTo(1), Schema.lessThanOrEqualTo(1_000_000))
const PageLimit = Schema.NumberFromString.pipe(Schema.int(), Schema.greaterThanOrEqualTo(1), Schema.lessThanOrEqualTo(100))

export const PageQuery = {
  page: Schema.optionalWith(PageNumber, { default: () => 1 }),
  limit: Schema.optionalWith(PageLimit, { default: () => 20 })
}

export const TransactionType = Schema.Literal("TOP_UP", "TOP_UP_REVERSAL", "SUBSCRIPTION", "UPGRADE", "REFUND", "ADMIN_ADJUSTMENT", "COUPON_CREDIT")
export const TransactionStatus = Schema.Literal("PENDING", "COMPLETED", "FAILED", "CANCELLED", "REFUNDED")

export const TransactionsQuery = Schema.Struct({
  ...PageQuery,
  type: Schema.optional(TransactionType),
  status: Schema.optional(TransactionStatus)
})

export const UserIdParams = Schema.Struct({ id: Uuid })

/** ± integer rupiah, never zero; the cap keeps a typo from minting billions. */
export const CreditAdjustmentBody = Schema.Struct({
  amount: Schema.Int.pipe(
    Schema.filter((n) => n !== 0 || "must not be zero"),
    Schema.greaterThanOrEqualTo(-1_000_000_000),
    Schema.lessThanOrEqualTo(1_000_000_000)
  ),
  reason: trimmed(3, 500)
})

export const TransactionIdParams = Schema.Struct({
  id: Schema.String.pipe(Schema.pattern(/^TXMP-\d{1,18}$/, { message: () => "must be a transaction id like TXMP-101" }))
})

export const topUpLimits = { min: 10_000, max: 10_000_000 } as const

export const TopUpBody = Schema.Struct({
  amount: Schema.Int.pipe(
    Schema.greaterThanOrEqualTo(topUpLimits.min, { message: () => `must be at least ${topUpLimits.min}` }),
    Schema.lessThanOrEqualTo(topUpLimits.max, { message: () => `must be at most ${topUpLimits.max}` })
  ),
  paymentMethod: Schema.Literal("BANK_TRANSFER", "E_WALLET", "CREDIT_CARD", "QRIS")
})

const GatewayField = (max: number) => Schema.String.pipe(Schema.minLength(1), Schema.maxLength(max))

/** A Midtrans notification: the fields we use; everything else Midtrans sends is ignored. */
export const MidtransNotificationBody = Schema.Struct({
  order_id: GatewayField(64),
  status_code: GatewayField(3),
  gross_amount: GatewayField(32),
  signature_key: GatewayField(256),
  transaction_status: GatewayField(32),
  fraud_status: Schema.optional(GatewayField(32)),
  refund_amount: Schema.optional(GatewayField(32)),
  refund_key: Schema.optional(GatewayField(128))
})

export const AuditEventsQuery = Schema.Struct({
  stream: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))),
  after: Schema.optionalWith(Schema.NumberFromString.pipe(Schema.int(), Schema.greaterThanOrEqualTo(0)), { default: () => 0 }),
  limit: Schema.optionalWith(Schema.NumberFromString.pipe(Schema.int(), Schema.greaterThanOrEqualTo(1), Schema.lessThanOrEqualTo(10_000)), { default: () => 1_000 })
})
