import type { Route } from "../adapters/http/route.ts"
import { adminSubscriptionRoutes } from "../adapters/http/routes/adminSubscriptions.ts"
import { analyticsRoutes } from "../adapters/http/routes/analytics.ts"
import { clusterAdminRoutes } from "../adapters/http/routes/clusterAdmin.ts"
import { adminUserRoutes } from "../adapters/http/routes/adminUsers.ts"
import { auditRoutes } from "../adapters/http/routes/audit.ts"
import { statementRoutes } from "../adapters/http/routes/statements.ts"
import { authRoutes } from "../adapters/http/routes/auth.ts"
import { catalogRoutes } from "../adapters/http/routes/catalog.ts"
import { couponRoutes } from "../adapters/http/routes/coupons.ts"
import { invoiceRoutes } from "../adapters/http/routes/invoices.ts"
import { instanceRoutes } from "../adapters/http/routes/instances.ts"
import { operationsRoutes } from "../adapters/http/routes/operations.ts"
import { nodeRoutes } from "../adapters/http/routes/nodes.ts"
import { notificationRoutes } from "../adapters/http/routes/notifications.ts"
import { paymentRoutes } from "../adapters/http/routes/payments.ts"
import { renewalRoutes } from "../adapters/http/routes/renewals.ts"
import { subscriptionRoutes } from "../adapters/http/routes/subscriptions.ts"
import { walletRoutes } from "../adapters/http/routes/wallet.ts"

const all = [...authRoutes, ...walletRoutes, ...invoiceRoutes, ...paymentRoutes, ...catalogRoutes, ...subscriptionRoutes, ...instanceRoutes, ...couponRoutes, ...adminSubscriptionRoutes, ...adminUserRoutes, ...analyticsRoutes, ...clusterAdminRoutes, ...auditRoutes, ...statementRoutes, ...renewalRoutes, ...notificationRoutes, ...operationsRoutes, ...nodeRoutes]

type ServicesOf<T> = T extends Route<infer R> ? R : never

/** Every API route; their services must all be provided by the app layer (checked by the compiler). */
export const routes: ReadonlyArray<Route<ServicesOf<(typeof all)[number]>>> = all
