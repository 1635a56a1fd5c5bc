import type { Route } from "../adapters/http/route.ts"
import { adminSubscriptionRoutes } from "../adapters/http/subscriptions/adminRoutes.ts"
import { analyticsRoutes } from "../adapters/http/analytics/routes.ts"
import { clusterAdminRoutes } from "../adapters/http/operations/clusterRoutes.ts"
import { adminUserRoutes } from "../adapters/http/accounts/adminRoutes.ts"
import { auditRoutes } from "../adapters/http/audit/routes.ts"
import { statementRoutes } from "../adapters/http/audit/statementRoutes.ts"
import { authRoutes } from "../adapters/http/accounts/routes.ts"
import { catalogRoutes } from "../adapters/http/catalog/routes.ts"
import { couponRoutes } from "../adapters/http/coupons/routes.ts"
import { invoiceRoutes } from "../adapters/http/invoices/routes.ts"
import { instanceRoutes } from "../adapters/http/subscriptions/instanceRoutes.ts"
import { operationsRoutes } from "../adapters/http/operations/routes.ts"
import { notificationRoutes } from "../adapters/http/notifications/routes.ts"
import { paymentRoutes } from "../adapters/http/payments/routes.ts"
import { renewalRoutes } from "../adapters/http/renewals/routes.ts"
import { subscriptionRoutes } from "../adapters/http/subscriptions/routes.ts"
import { walletRoutes } from "../adapters/http/ledger/routes.ts"
import { nodeRoutes } from "../adapters/http/operations/nodeRoutes.ts"

const all = [
  ...authRoutes,
  ...walletRoutes,
  ...invoiceRoutes,
  ...paymentRoutes,
  ...catalogRoutes,
  ...subscriptionRoutes,
  ...instanceRoutes,
  ...couponRoutes,
  ...adminSubscriptionRoutes,
  ...adminUserRoutes,
  ...analyticsRoutes,
  ...clusterAdminRoutes,
  ...auditRoutes,
  ...statementRoutes,
  ...renewalRoutes,
  ...notificationRoutes,
  ...operationsRoutes,
  ...nodeRoutes
]

type ServicesOf<T> = T extends Route<infer R> ? R : never

/** Every API route; their services must all be provided by the app layer (checked by the compiler). */
export const routes: ReadonlyArray<Route<ServicesOf<(typeof all)[number]>>> = all
