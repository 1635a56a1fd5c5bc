export interface ErrorEntry {
  readonly status: number
  readonly code: string
  readonly message: string
}

/**
 * The one table mapping every typed error tag to an HTTP status and a stable API code. A route's
 * handler may fail only with these tags (`MappedError`, see route.ts): a use case that gains a new
 * tagged error without a row here does not compile.
 */
export const errorTable = {
  RequestInvalid: { status: 400, code: "VALIDATION_FAILED", message: "Request validation failed" },
  FieldInvalid: { status: 400, code: "VALIDATION_FAILED", message: "Request validation failed" },
  InvalidLedgerCommand: { status: 400, code: "VALIDATION_FAILED", message: "Request validation failed" },
  Unauthenticated: { status: 401, code: "UNAUTHENTICATED", message: "Authentication required" },
  InvalidCredentials: { status: 401, code: "UNAUTHENTICATED", message: "Invalid email or password" },
  InvalidRefreshToken: { status: 401, code: "UNAUTHENTICATED", message: "Invalid refresh token" },
  InsufficientCredit: { status: 402, code: "INSUFFICIENT_CREDIT", message: "Insufficient credit" },
  Forbidden: { status: 403, code: "FORBIDDEN", message: "Not allowed" },
  UserNotFound: { status: 404, code: "NOT_FOUND", message: "Not found" },
  ChargeNotFound: { status: 404, code: "NOT_FOUND", message: "Not found" },
  TransactionNotFound: { status: 404, code: "NOT_FOUND", message: "Not found" },
  InvoiceNotFound: { status: 404, code: "NOT_FOUND", message: "Not found" },
  CatalogEntryNotFound: { status: 404, code: "NOT_FOUND", message: "Not found" },
  NodeNotFound: { status: 404, code: "NOT_FOUND", message: "Not found" },
  CatalogConflict: { status: 409, code: "CONFLICT", message: "Conflicts with the catalog" },
  CapacityBelowUsage: { status: 409, code: "CONFLICT", message: "Capacity cannot go below what is in use" },
  QuotaExceeded: { status: 409, code: "QUOTA_EXCEEDED", message: "No capacity left on this plan" },
  InvalidCoupon: { status: 422, code: "INVALID_COUPON", message: "This coupon cannot be used" },
  InstanceInMaintenance: {
    status: 409,
    code: "INVALID_TRANSITION",
    message: "An administrator is working on this instance (maintenance)"
  },
  InvalidInstanceTransition: {
    status: 409,
    code: "INVALID_TRANSITION",
    message: "Not possible in the instance's current state"
  },
  ClusterUnavailable: { status: 502, code: "PROVISIONING_FAILED", message: "The cluster did not answer, try again" },
  ClusterRejected: { status: 502, code: "PROVISIONING_FAILED", message: "The cluster refused the request" },
  SubscriptionNotFound: { status: 404, code: "NOT_FOUND", message: "Not found" },
  NotificationNotFound: { status: 404, code: "NOT_FOUND", message: "Not found" },
  PlanNotAvailable: { status: 404, code: "NOT_FOUND", message: "Plan not available" },
  DuplicateSubscription: {
    status: 409,
    code: "DUPLICATE_SUBSCRIPTION",
    message: "You already subscribe to this service: upgrade instead"
  },
  UpgradeRequired: {
    status: 409,
    code: "UPGRADE_REQUIRED",
    message: "Only an upgrade to a higher tier of the same service is possible"
  },
  RenewalOverdue: {
    status: 409,
    code: "INVALID_TRANSITION",
    message: "The renewal is overdue: top up so it renews, then upgrade"
  },
  NotReactivatable: {
    status: 409,
    code: "INVALID_TRANSITION",
    message: "Only a suspended subscription within its retention window can be reactivated"
  },
  SubscriptionNotActive: { status: 409, code: "INVALID_TRANSITION", message: "The subscription is not active" },
  PaymentNotFound: { status: 404, code: "NOT_FOUND", message: "Unknown order" },
  InvalidSignature: { status: 401, code: "UNAUTHENTICATED", message: "Invalid notification signature" },
  GatewayAmountMismatch: { status: 400, code: "VALIDATION_FAILED", message: "gross_amount does not match the order" },
  InvalidPaymentTransition: {
    status: 409,
    code: "INVALID_TRANSITION",
    message: "Not possible in the payment's current state"
  },
  GatewayUnavailable: {
    status: 502,
    code: "PAYMENT_GATEWAY_UNAVAILABLE",
    message: "The payment gateway is unavailable, try again later"
  },
  GatewayRejected: { status: 502, code: "PAYMENT_GATEWAY_ERROR", message: "The payment gateway refused the request" },
  RouteNotFound: { status: 404, code: "NOT_FOUND", message: "Not found" },
  MethodNotAllowed: { status: 405, code: "METHOD_NOT_ALLOWED", message: "Method not allowed on this path" },
  MethodNotImplemented: { status: 501, code: "METHOD_NOT_ALLOWED", message: "Method not supported" },
  EmailAlreadyRegistered: { status: 409, code: "CONFLICT", message: "Already registered" },
  VersionConflict: { status: 409, code: "CONFLICT", message: "Concurrent update, please retry" },
  RefundExceedsCharge: { status: 409, code: "CONFLICT", message: "Refund exceeds what is left of the charge" },
  IdempotencyKeyReused: { status: 409, code: "CONFLICT", message: "Idempotency-Key was used with another request" },
  IdempotencyKeyInProgress: {
    status: 409,
    code: "CONFLICT",
    message: "A request with this Idempotency-Key is in progress"
  },
  PayloadTooLarge: { status: 413, code: "VALIDATION_FAILED", message: "Request body too large" },
  UnsupportedMediaType: { status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: "Send the body as application/json" },
  TooManyAttempts: { status: 429, code: "RATE_LIMITED", message: "Too many attempts, try again later" },
  PasswordWorkBusy: { status: 503, code: "SERVICE_UNAVAILABLE", message: "Busy, try again in a moment" },
  RequestTimedOut: {
    status: 503,
    code: "SERVICE_UNAVAILABLE",
    message:
      "Timed out, try again in a moment (a money request may still complete: repeat it with the same Idempotency-Key to learn its outcome)"
  },
  DatabaseUnavailable: {
    status: 503,
    code: "SERVICE_UNAVAILABLE",
    message: "Temporarily unavailable, try again in a moment"
  }
} as const satisfies Readonly<Record<string, ErrorEntry>>

/** Every error tag the HTTP edge answers with its own status and code. */
export type MappedErrorTag = keyof typeof errorTable

/** What a route's handler may fail with: an error the table maps. */
export interface MappedError {
  readonly _tag: MappedErrorTag
}

/** The row of a tag known only at run time (a failure the compiler did not see); undefined when unmapped. */
export const errorEntryOf = (tag: string): ErrorEntry | undefined =>
  Object.hasOwn(errorTable, tag) ? errorTable[tag as MappedErrorTag] : undefined

/** Rupiah the Indonesian way: `Rp 1.250.000`. */
export const formatRupiah = (amount: number) =>
  `Rp ${new Intl.NumberFormat("id-ID", { maximumFractionDigits: 0 }).format(amount)}`

/** Envelope messages that say more than the table's, from the error's details (the seeds' wording where they give it). */
export const detailedMessages: Readonly<Partial<Record<MappedErrorTag, (details: any) => string | undefined>>> = {
  InsufficientCredit: (d: { shortfall?: number } | undefined) =>
    typeof d?.shortfall === "number" ? `Insufficient credit: you need ${formatRupiah(d.shortfall)} more` : undefined
}

/** Field messages that are whole sentences from the seeds: one of them becomes the envelope's message. */
export const minimumTopUpMessage = "Minimum top-up amount is Rp 10,000"
export const sentenceMessages: ReadonlySet<string> = new Set([minimumTopUpMessage])

export const internalError = { status: 500, code: "INTERNAL", message: "Internal server error" } as const

/** The error's own fields, minus its tag, become `error.details` (never a stack or SQL). */
export const detailsOf = (error: { readonly _tag: string }): unknown => {
  // Field errors read like request validation errors: a list of { field, message }.
  if (error._tag === "FieldInvalid" || error._tag === "InvalidLedgerCommand") {
    const { field, problem } = error as unknown as { field: string; problem: string }
    return [{ field, message: problem }]
  }
  const fields: Record<string, unknown> = { ...(error as unknown as Record<string, unknown>) }
  for (const internal of ["_tag", "stack", "message"]) delete fields[internal]
  return Object.keys(fields).length === 0 ? undefined : fields
}
