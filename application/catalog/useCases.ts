import { Effect, Either } from "effect"
import { decideQuota, quotaStreamId } from "../../domain/quota/index.ts"
import {
  Catalog,
  CatalogEntryNotFound,
  type Changes,
  type CategoryInput,
  type PlanInput,
  type ServiceFilter,
  type ServiceInput
} from "../ports/catalog.ts"
import { IdGenerator } from "../ports/ids.ts"
import { bind, decideOn, quotaStream } from "../shared/streams.ts"
import { checkTemplate, defaultTemplate } from "./serviceTemplate.ts"

export const listCategories = Effect.fn("Catalog.listCategories")(function* (includeHidden = false) {
  return yield* (yield* Catalog).categories(includeHidden)
})

export const listServices = Effect.fn("Catalog.listServices")(function* (filter: ServiceFilter) {
  return yield* (yield* Catalog).services(filter)
})

/** A public service with its active plans (404 for unknown, inactive or private ones). */
export const serviceDetail = Effect.fn("Catalog.serviceDetail")(function* (slug: string) {
  const catalog = yield* Catalog
  const service = yield* catalog.serviceBySlug(slug, false)
  if (service === undefined) return yield* new CatalogEntryNotFound({ entity: "service", id: slug })
  return { ...service, plans: yield* catalog.plansOf(service.id, false) }
})

export const createCategory = Effect.fn("Catalog.createCategory")(function* (actor: string, input: CategoryInput) {
  return yield* (yield* Catalog).createCategory(actor, yield* (yield* IdGenerator).uuid, input)
})

/** A template with an unknown placeholder is refused, naming the field. */
export const createService = Effect.fn("Catalog.createService")(function* (actor: string, input: ServiceInput) {
  yield* checkTemplate(input.envTemplate ?? {}, input.template ?? defaultTemplate)
  return yield* (yield* Catalog).createService(actor, yield* (yield* IdGenerator).uuid, input)
})

/** The env template and the template are checked together (the stored one fills in for the absent one). */
export const updateService = Effect.fn("Catalog.updateService")(function* (
  actor: string,
  id: string,
  input: Changes<ServiceInput>
) {
  const catalog = yield* Catalog
  if (input.envTemplate !== undefined || input.template !== undefined) {
    const stored = yield* catalog.serviceById(id)
    if (stored === undefined) return yield* new CatalogEntryNotFound({ entity: "service", id })
    yield* checkTemplate(input.envTemplate ?? stored.envTemplate, input.template ?? stored.template)
  }
  return yield* catalog.updateService(actor, id, input)
})

export const createPlan = Effect.fn("Catalog.createPlan")(function* (
  actor: string,
  serviceId: string,
  input: PlanInput
) {
  return yield* (yield* Catalog).createPlan(actor, serviceId, yield* (yield* IdGenerator).uuid, input)
})

/** PUT /api/admin/plans/:id/quota: through the plan's quota stream, so it serialises with subscribes. */
export const setPlanQuota = Effect.fn("Catalog.setPlanQuota")(function* (
  actor: string,
  planId: string,
  totalQuota: number
) {
  const catalog = yield* Catalog
  const before = yield* catalog.planById(planId)
  if (before === undefined) return yield* new CatalogEntryNotFound({ entity: "plan", id: planId })
  yield* decideOn(
    { quota: bind(quotaStream, quotaStreamId(planId)) },
    ({ quota }) =>
      Either.map(decideQuota({ _tag: "SetCapacity", capacity: totalQuota, by: actor }, quota), (events) => ({
        events: { quota: events },
        result: undefined
      })),
    {
      actor,
      reason: "quota capacity change"
    }
  )
  const after = (yield* catalog.planById(planId))!
  yield* catalog.recordAdminAction({
    actor,
    action: "set-quota",
    entity: "plan",
    entityId: planId,
    before: { totalQuota: before.totalQuota },
    after: { totalQuota: after.totalQuota }
  })
  return after
})
