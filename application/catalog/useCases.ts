import { Effect, Either, Schema } from "effect"
import {
  decideQuota,
  emptyQuota,
  type QuotaCommand,
  type QuotaError,
  QuotaEvent,
  type QuotaState,
  quotaStreamId,
  replayQuota
} from "../../domain/quota/index.ts"
import { Catalog, CatalogEntryNotFound, type Changes, type CategoryInput, type PlanInput, type ServiceFilter, type ServiceInput } from "../ports/catalog.ts"
import type { LoadedStream, StreamEvents } from "../ports/eventStore.ts"
import { IdGenerator } from "../ports/ids.ts"
import { runCommand } from "../shared/runCommand.ts"
import { checkTemplate, defaultTemplate } from "./serviceTemplate.ts"

const decodeQuota = Schema.decodeUnknownSync(QuotaEvent)
const encodeQuota = Schema.encodeSync(QuotaEvent)

/** A quota's decision state as stored in its snapshot (v1). */
const QuotaSnapshot = Schema.Struct({ v: Schema.Literal(1), capacity: Schema.NullOr(Schema.Number), used: Schema.Number })
const decodeSnapshot = Schema.decodeUnknownSync(QuotaSnapshot)

/** Snapshot (if any) plus the events after it: a plan's quota is a hot stream, so loads stay short. */
export const quotaStateOf = (stream: LoadedStream | undefined): QuotaState => {
  const snapshot = stream?.snapshot === undefined ? undefined : decodeSnapshot(stream.snapshot.state)
  const initial = snapshot === undefined ? emptyQuota : { capacity: snapshot.capacity ?? undefined, used: snapshot.used }
  return replayQuota((stream?.events ?? []).map((e) => decodeQuota(e.data)), initial)
}

/**
 * Decides one quota command on a loaded plan-quota stream and returns what to append, with the
 * snapshot of the state after it.
 */
export const decideQuotaStream = (
  loaded: ReadonlyMap<string, LoadedStream>,
  streamId: string,
  command: QuotaCommand
): Either.Either<Array<StreamEvents>, QuotaError> => {
  const before = quotaStateOf(loaded.get(streamId))
  return Either.map(decideQuota(command, before), (events) => {
    if (events.length === 0) return []
    const after = replayQuota(events, before)
    return [{
      streamId,
      events: events.map((e) => ({ type: e._tag, data: encodeQuota(e) })),
      snapshot: { v: 1, capacity: after.capacity ?? null, used: after.used } satisfies typeof QuotaSnapshot.Type
    }]
  })
}

/** Quota events already decided (by a domain decision over several aggregates), with their snapshot. */
export const quotaAppend = (streamId: string, before: QuotaState, events: ReadonlyArray<QuotaEvent>): Array<StreamEvents> => {
  if (events.length === 0) return []
  const after = replayQuota(events, before)
  return [{
    streamId,
    events: events.map((e) => ({ type: e._tag, data: encodeQuota(e) })),
    snapshot: { v: 1, capacity: after.capacity ?? null, used: after.used } satisfies typeof QuotaSnapshot.Type
  }]
}

export const listCategories = Effect.fn("Catalog.listCategories")(function*(includeHidden = false) {
  return yield* (yield* Catalog).categories(includeHidden)
})

export const listServices = Effect.fn("Catalog.listServices")(function*(filter: ServiceFilter) {
  return yield* (yield* Catalog).services(filter)
})

/** A public service with its active plans (404 for unknown, inactive or private ones). */
export const serviceDetail = Effect.fn("Catalog.serviceDetail")(function*(slug: string) {
  const catalog = yield* Catalog
  const service = yield* catalog.serviceBySlug(slug, false)
  if (service === undefined) return yield* new CatalogEntryNotFound({ entity: "service", id: slug })
  return { ...service, plans: yield* catalog.plansOf(service.id, false) }
})

export const createCategory = Effect.fn("Catalog.createCategory")(function*(actor: string, input: CategoryInput) {
  return yield* (yield* Catalog).createCategory(actor, yield* (yield* IdGenerator).uuid, input)
})

/** A template with an unknown placeholder is refused, naming the field. */
export const createService = Effect.fn("Catalog.createService")(function*(actor: string, input: ServiceInput) {
  yield* checkTemplate(input.envTemplate ?? {}, input.template ?? defaultTemplate)
  return yield* (yield* Catalog).createService(actor, yield* (yield* IdGenerator).uuid, input)
})

/** The env template and the template are checked together (the stored one fills in for the absent one). */
export const updateService = Effect.fn("Catalog.updateService")(function*(actor: string, id: string, input: Changes<ServiceInput>) {
  const catalog = yield* Catalog
  if (input.envTemplate !== undefined || input.template !== undefined) {
    const stored = yield* catalog.serviceById(id)
    if (stored === undefined) return yield* new CatalogEntryNotFound({ entity: "service", id })
    yield* checkTemplate(input.envTemplate ?? stored.envTemplate, input.template ?? stored.template)
  }
  return yield* catalog.updateService(actor, id, input)
})

export const createPlan = Effect.fn("Catalog.createPlan")(function*(actor: string, serviceId: string, input: PlanInput) {
  return yield* (yield* Catalog).createPlan(actor, serviceId, yield* (yield* IdGenerator).uuid, input)
})

/** PUT /api/admin/plans/:id/quota: through the plan's quota stream, so it serialises with subscribes. */
export const setPlanQuota = Effect.fn("Catalog.setPlanQuota")(function*(actor: string, planId: string, totalQuota: number) {
  const catalog = yield* Catalog
  const before = yield* catalog.planById(planId)
  if (before === undefined) return yield* new CatalogEntryNotFound({ entity: "plan", id: planId })
  const streamId = quotaStreamId(planId)
  yield* runCommand<QuotaError>([streamId], (streams) =>
    decideQuotaStream(streams, streamId, { _tag: "SetCapacity", capacity: totalQuota, by: actor }), { actor, reason: "quota capacity change" })
  const after = (yield* catalog.planById(planId))!
  yield* catalog.recordAdminAction({ actor, action: "set-quota", entity: "plan", entityId: planId, before: { totalQuota: before.totalQuota }, after: { totalQuota: after.totalQuota } })
  return after
})
