import { Effect } from "effect"
import { Catalog, type PlanView, type ServiceView } from "../ports/catalog.ts"
import { InstanceOpsQueries } from "../ports/instanceOps.ts"
import type { SubscriptionView } from "../ports/subscriptionQueries.ts"
import { instanceUrls } from "./instanceSpec.ts"

/** The plan a subscription is on, as the catalog shows it today (its tier and price). */
export const planSummary = (plan: PlanView) => ({
  id: plan.id,
  name: plan.name,
  planType: plan.planType,
  monthlyPrice: plan.monthlyPrice,
  cpuMilli: plan.cpuMilli,
  memoryMb: plan.memoryMb,
  storageGb: plan.storageGb,
  bandwidthGb: plan.bandwidthGb
})

export const serviceSummary = (service: ServiceView) => ({
  id: service.id,
  name: service.name,
  slug: service.slug,
  icon: service.icon,
  categorySlug: service.categorySlug
})

/**
 * What the client asks next about a subscription or instance: its plan and service (embedded,
 * API.md) and how to reach its instance. One catalog read per distinct service, however long the list.
 */
const catalogOf = Effect.fn("Subscriptions.catalogOf")(function* (views: ReadonlyArray<SubscriptionView>) {
  const catalog = yield* Catalog
  const serviceIds = [...new Set(views.map((v) => v.serviceId))]
  const found = yield* Effect.forEach(
    serviceIds,
    (id) => Effect.all([catalog.serviceById(id), catalog.plansOf(id, true)]),
    { concurrency: 4 }
  )
  const services = new Map(found.flatMap(([service]) => (service ? [[service.id, service] as const] : [])))
  const plans = new Map(found.flatMap(([, plans]) => plans.map((p) => [p.id, p] as const)))
  return { services, plans }
})

const instanceOf = (view: SubscriptionView, service: ServiceView | undefined) =>
  Effect.map(instanceUrls(view, service), ({ namespace, publicUrl, adminUrl }) => ({
    id: view.id,
    name: view.displayName,
    resourceName: view.instanceName,
    status: view.instanceStatus,
    error: view.instanceError,
    namespace,
    publicUrl,
    adminUrl,
    lastStartedAt: view.lastStartedAt,
    lastStoppedAt: view.lastStoppedAt,
    // The earlier version's names of lastStartedAt and lastStoppedAt, kept for its clients.
    lastStarted: view.lastStartedAt,
    lastStopped: view.lastStoppedAt
  }))

/** Subscriptions with `plan`, `service` and `instance` embedded (null where the catalog lost the entry). */
export const subscriptionViews = Effect.fn("Subscriptions.views")(function* (views: ReadonlyArray<SubscriptionView>) {
  const { services, plans } = yield* catalogOf(views)
  return yield* Effect.forEach(views, (view) => {
    const plan = plans.get(view.planId)
    const service = services.get(view.serviceId)
    return Effect.map(instanceOf(view, service), (instance) => ({
      ...view,
      plan: plan ? planSummary(plan) : null,
      service: service ? serviceSummary(service) : null,
      instance
    }))
  })
})

export const subscriptionView = (view: SubscriptionView) => Effect.map(subscriptionViews([view]), (views) => views[0]!)

/** The reconciliation loop's last verdict on an instance (null until it has looked at it). */
const healthOf = (id: string) =>
  Effect.map(
    Effect.flatMap(InstanceOpsQueries, (q) => q.find(id)),
    (o) => ({
      healthStatus: o?.healthStatus ?? null,
      healthReason: o?.healthReason ?? null,
      lastHealthCheck: o?.lastHealthCheck ?? null
    })
  )

/** Instances (1:1 with their subscriptions, same id) with their URLs, timestamps, plan and service. */
export const instanceViews = Effect.fn("Instances.views")(function* (views: ReadonlyArray<SubscriptionView>) {
  const { services, plans } = yield* catalogOf(views)
  return yield* Effect.forEach(views, (view) => {
    const plan = plans.get(view.planId)
    const service = services.get(view.serviceId)
    return Effect.map(Effect.zip(instanceOf(view, service), healthOf(view.id)), ([instance, health]) => ({
      ...instance,
      ...health,
      subscriptionId: view.id,
      planId: view.planId,
      serviceId: view.serviceId,
      plan: plan ? planSummary(plan) : null,
      service: service ? serviceSummary(service) : null,
      createdAt: view.createdAt,
      updatedAt: view.updatedAt
    }))
  })
})

export const instanceView = (view: SubscriptionView) => Effect.map(instanceViews([view]), (views) => views[0]!)
