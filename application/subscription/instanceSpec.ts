import { Effect } from "effect"
import { neededSecrets, render, type ServiceTemplate } from "../catalog/serviceTemplate.ts"
import { Catalog, type PlanView, type ServiceView } from "../ports/catalog.ts"
import type { ComponentSpec, InstanceSpec, TenantBudget } from "../ports/cluster.ts"
import { SubscriptionQueries, type SubscriptionView } from "../ports/subscriptionQueries.ts"
import { locate, ProvisioningPolicy } from "./naming.ts"

/** Instances in these states hold no resources in the cluster. */
const gone = new Set(["TERMINATED", "ERROR"])

const resourcesOf = (plan: Pick<PlanView, "cpuMilli" | "memoryMb" | "storageGb">, template: ServiceTemplate) => ({
  cpuMilli: plan.cpuMilli + (template.database?.cpuMilli ?? 0),
  memoryMb: plan.memoryMb + (template.database?.memoryMb ?? 0),
  storageGb: plan.storageGb + (template.database?.storageGb ?? 0),
  containers: template.database ? 2 : 1
})

/**
 * What the user's namespace may hold: the sum of the plans of their instances that hold
 * resources, this one counted with `plan` (an upgrade is applied before it is recorded).
 */
const tenantBudget = (view: SubscriptionView, own: ReturnType<typeof resourcesOf>) =>
  Effect.gen(function* () {
    const catalog = yield* Catalog
    const { items } = yield* (yield* SubscriptionQueries).listByUser(view.userId, 1, 100)
    const others = yield* Effect.forEach(
      items.filter((s) => s.id !== view.id && !gone.has(s.instanceStatus)),
      (s) =>
        Effect.gen(function* () {
          const [service, plan] = [yield* catalog.serviceById(s.serviceId), yield* catalog.planById(s.planId)]
          return service && plan ? resourcesOf(plan, service.template) : undefined
        })
    )
    return [own, ...others].reduce<TenantBudget>(
      (sum, r) =>
        r === undefined
          ? sum
          : {
              userId: sum.userId,
              cpuMilli: sum.cpuMilli + r.cpuMilli,
              memoryMb: sum.memoryMb + r.memoryMb,
              storageGb: sum.storageGb + r.storageGb,
              containers: sum.containers + r.containers
            },
      { userId: view.userId, cpuMilli: 0, memoryMb: 0, storageGb: 0, containers: 0 }
    )
  })

/** Public and admin URLs of an instance (none for a service not served over HTTP). */
export const instanceUrls = (view: SubscriptionView, service: Pick<ServiceView, "template"> | undefined) =>
  Effect.gen(function* () {
    const policy = yield* ProvisioningPolicy
    const { name, namespace } = yield* locate(view)
    const http = service?.template.app.http ?? true
    const publicUrl = http ? `https://${name}.${policy.baseDomain}` : null
    const adminPath = service?.template.app.adminPath
    return {
      namespace,
      host: http ? `${name}.${policy.baseDomain}` : undefined,
      publicUrl,
      adminUrl: publicUrl && adminPath ? `${publicUrl}${adminPath}` : null
    }
  })

/**
 * The instance's resources from the catalog's service template and the plan (the subscription's
 * own, or `planOverride` for an upgrade being applied): every placeholder rendered except the
 * generated secrets, which the cluster fills from the instance's Secret.
 */
export const instanceSpecOf = Effect.fn("Provisioning.instanceSpecOf")(function* (
  view: SubscriptionView,
  planOverride?: PlanView
) {
  const catalog = yield* Catalog
  const service = (yield* catalog.serviceById(view.serviceId))!
  const plan = planOverride ?? (yield* catalog.planById(view.planId))!
  const template = service.template
  const { namespace, name } = yield* locate(view)
  const urls = yield* instanceUrls(view, service)
  const context = {
    domain: urls.host ?? `${name}.${namespace}.svc.cluster.local`,
    url: urls.publicUrl ?? `http://${name}.${namespace}.svc.cluster.local:${service.defaultPort}`,
    instance_name: view.instanceName,
    db_host: `${name}-db`,
    db_port: String(template.database?.port ?? "")
  }
  const overrides = yield* (yield* SubscriptionQueries).instanceEnv(view.id)
  const app: ComponentSpec = {
    role: "app",
    image: service.dockerImage,
    port: service.defaultPort,
    env: { ...render(service.envTemplate, context), ...overrides },
    cpuMilli: plan.cpuMilli,
    memoryMb: plan.memoryMb,
    storageGb: plan.storageGb,
    volume: template.app.volume,
    probe: template.app.probe as ComponentSpec["probe"],
    securityContext: template.app.securityContext
  }
  const db = template.database
  const database: ComponentSpec | undefined = db && {
    role: "database",
    image: db.image,
    port: db.port,
    env: render(db.env, context),
    cpuMilli: db.cpuMilli,
    memoryMb: db.memoryMb,
    storageGb: db.storageGb,
    volume: db.volume,
    probe: db.probe as ComponentSpec["probe"],
    securityContext: db.securityContext
  }
  return {
    instanceId: view.id,
    subscriptionId: view.id,
    serviceSlug: service.slug,
    namespace,
    name,
    host: urls.host,
    app,
    database,
    secrets: neededSecrets(service.envTemplate, template),
    tenant: yield* tenantBudget(view, resourcesOf(plan, template))
  } satisfies InstanceSpec
})

/** What a user needs to reach an instance: URLs (admin page where the app has one) and its namespace. */
export const instanceAccess = Effect.fn("Instances.access")(function* (view: SubscriptionView) {
  const service = yield* (yield* Catalog).serviceById(view.serviceId)
  const { namespace, publicUrl, adminUrl } = yield* instanceUrls(view, service)
  return { namespace, publicUrl, adminUrl }
})
