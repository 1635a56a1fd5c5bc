import { Effect, Schema } from "effect"
import * as CatalogUseCases from "../../../application/catalog/useCases.ts"
import { Catalog, CatalogEntryNotFound } from "../../../application/ports/catalog.ts"
import { ok, route } from "../route.ts"
import { Category, Nothing, pageOf, pageSlice, Paginated, Plan, Service, ServiceWithPlans } from "../responses.ts"
import { IdParams, PageListQuery } from "../schemas.ts"
import {
  CategoryBody,
  CategorySlugParams,
  PlanBody,
  planInput,
  PlanParams,
  PlanUpdateBody,
  QuotaBody,
  SearchQuery,
  ServiceBody,
  ServicesQuery,
  SlugParams
} from "./schemas.ts"

const publicServices = (filter: {
  categorySlug?: string
  featured?: boolean
  query?: string
  page: number
  limit: number
}) =>
  Effect.map(CatalogUseCases.listServices({ ...filter, includeHidden: false }), (p) =>
    ok("Services", pageOf(p.items, p.total, filter.page, filter.limit))
  )

const notFound = (entity: string, id: string) => new CatalogEntryNotFound({ entity, id })

export const catalogRoutes = [
  route({
    method: "get",
    path: "/api/catalog/categories",
    summary: "Active categories",
    tag: "catalog",
    access: "user",
    response: Paginated(Category),
    query: PageListQuery,
    handle: ({ query }) => Effect.map(CatalogUseCases.listCategories(), (c) => ok("Categories", pageSlice(c, query)))
  }),
  route({
    method: "get",
    path: "/api/catalog/services",
    summary: "Public services",
    tag: "catalog",
    access: "user",
    response: Paginated(Service),
    query: ServicesQuery,
    handle: ({ query }) =>
      publicServices({
        ...(query.category ? { categorySlug: query.category } : {}),
        ...(query.featured === undefined ? {} : { featured: query.featured }),
        page: query.page,
        limit: query.limit
      })
  }),
  route({
    method: "get",
    path: "/api/catalog/categories/:categorySlug/services",
    summary: "Public services of a category",
    tag: "catalog",
    access: "user",
    response: Paginated(Service),
    params: CategorySlugParams,
    query: Schema.Struct({ page: ServicesQuery.fields.page, limit: ServicesQuery.fields.limit }),
    handle: ({ params, query }) =>
      publicServices({ categorySlug: params.categorySlug, page: query.page, limit: query.limit })
  }),
  route({
    method: "get",
    path: "/api/catalog/services/:serviceSlug",
    summary: "A service with its plans",
    tag: "catalog",
    access: "user",
    response: ServiceWithPlans,
    params: SlugParams,
    handle: ({ params }) => Effect.map(CatalogUseCases.serviceDetail(params.serviceSlug), (s) => ok("Service", s))
  }),
  route({
    method: "get",
    path: "/api/catalog/services/:serviceSlug/plans",
    summary: "A service's plans with availableQuota",
    tag: "catalog",
    access: "user",
    response: Paginated(Plan),
    params: SlugParams,
    query: PageListQuery,
    handle: ({ params, query }) =>
      Effect.map(CatalogUseCases.serviceDetail(params.serviceSlug), (s) => ok("Plans", pageSlice(s.plans, query)))
  }),
  route({
    method: "get",
    path: "/api/catalog/search",
    summary: "Search services by name, description and tags",
    tag: "catalog",
    access: "user",
    response: Paginated(Service),
    query: SearchQuery,
    handle: ({ query }) => publicServices({ query: query.q, page: query.page, limit: query.limit })
  }),
  route({
    method: "get",
    path: "/api/catalog/featured",
    summary: "Featured services",
    tag: "catalog",
    access: "user",
    response: Paginated(Service),
    query: PageListQuery,
    handle: ({ query }) =>
      Effect.map(
        CatalogUseCases.listServices({ featured: true, includeHidden: false, page: query.page, limit: query.limit }),
        (p) => ok("Featured services", pageOf(p.items, p.total, query.page, query.limit))
      )
  }),
  // Admin
  route({
    method: "get",
    path: "/api/admin/categories",
    summary: "All categories",
    tag: "admin",
    access: "admin",
    response: Paginated(Category),
    query: PageListQuery,
    handle: ({ query }) =>
      Effect.map(CatalogUseCases.listCategories(true), (c) => ok("Categories", pageSlice(c, query)))
  }),
  route({
    method: "post",
    path: "/api/admin/categories",
    summary: "Create a category",
    tag: "admin",
    access: "admin",
    response: Category,
    body: CategoryBody,
    handle: ({ principal, body }) =>
      Effect.map(CatalogUseCases.createCategory(principal.userId, body), (c) => ok("Category created", c, 201))
  }),
  route({
    method: "get",
    path: "/api/admin/categories/:id",
    summary: "A category",
    tag: "admin",
    access: "admin",
    response: Category,
    params: IdParams,
    handle: ({ params }) =>
      Effect.flatMap(Catalog, (c) => c.categories(true)).pipe(
        Effect.flatMap((all) => {
          const c = all.find((x) => x.id === params.id)
          return c ? Effect.succeed(ok("Category", c)) : Effect.fail(notFound("category", params.id))
        })
      )
  }),
  route({
    method: "put",
    path: "/api/admin/categories/:id",
    summary: "Update a category",
    tag: "admin",
    access: "admin",
    response: Category,
    params: IdParams,
    body: Schema.partial(CategoryBody),
    handle: ({ principal, params, body }) =>
      Effect.map(
        Effect.flatMap(Catalog, (c) => c.updateCategory(principal.userId, params.id, body)),
        (c) => ok("Category updated", c)
      )
  }),
  route({
    method: "delete",
    path: "/api/admin/categories/:id",
    summary: "Delete a category without services",
    tag: "admin",
    access: "admin",
    response: Nothing,
    params: IdParams,
    handle: ({ principal, params }) =>
      Effect.as(
        Effect.flatMap(Catalog, (c) => c.deleteCategory(principal.userId, params.id)),
        ok("Category deleted", null)
      )
  }),
  route({
    method: "get",
    path: "/api/admin/services",
    summary: "All services",
    tag: "admin",
    access: "admin",
    response: Paginated(Service),
    query: ServicesQuery,
    handle: ({ query }) =>
      Effect.map(
        CatalogUseCases.listServices({
          ...(query.category ? { categorySlug: query.category } : {}),
          ...(query.featured === undefined ? {} : { featured: query.featured }),
          includeHidden: true,
          page: query.page,
          limit: query.limit
        }),
        (p) => ok("Services", pageOf(p.items, p.total, query.page, query.limit))
      )
  }),
  route({
    method: "post",
    path: "/api/admin/services",
    summary: "Create a service",
    tag: "admin",
    access: "admin",
    response: Service,
    body: ServiceBody,
    handle: ({ principal, body }) =>
      Effect.map(CatalogUseCases.createService(principal.userId, body), (s) => ok("Service created", s, 201))
  }),
  route({
    method: "get",
    path: "/api/admin/services/:id",
    summary: "A service with all its plans",
    tag: "admin",
    access: "admin",
    response: ServiceWithPlans,
    params: IdParams,
    handle: ({ params }) =>
      Effect.gen(function* () {
        const catalog = yield* Catalog
        const service = yield* catalog.serviceById(params.id)
        if (service === undefined) return yield* notFound("service", params.id)
        return ok("Service", { ...service, plans: yield* catalog.plansOf(service.id, true) })
      })
  }),
  route({
    method: "put",
    path: "/api/admin/services/:id",
    summary: "Update a service",
    tag: "admin",
    access: "admin",
    response: Service,
    params: IdParams,
    body: Schema.partial(ServiceBody),
    handle: ({ principal, params, body }) =>
      Effect.map(CatalogUseCases.updateService(principal.userId, params.id, body), (s) => ok("Service updated", s))
  }),
  route({
    method: "delete",
    path: "/api/admin/services/:id",
    summary: "Delete a service without plans",
    tag: "admin",
    access: "admin",
    response: Nothing,
    params: IdParams,
    handle: ({ principal, params }) =>
      Effect.as(
        Effect.flatMap(Catalog, (c) => c.deleteService(principal.userId, params.id)),
        ok("Service deleted", null)
      )
  }),
  route({
    method: "get",
    path: "/api/admin/services/:id/plans",
    summary: "All plans of a service",
    tag: "admin",
    access: "admin",
    response: Paginated(Plan),
    params: IdParams,
    query: PageListQuery,
    handle: ({ params, query }) =>
      Effect.map(
        Effect.flatMap(Catalog, (c) => c.plansOf(params.id, true)),
        (p) => ok("Plans", pageSlice(p, query))
      )
  }),
  route({
    method: "post",
    path: "/api/admin/services/:id/plans",
    summary: "Create a plan",
    tag: "admin",
    access: "admin",
    response: Plan,
    params: IdParams,
    body: PlanBody,
    handle: ({ principal, params, body }) =>
      Effect.map(
        CatalogUseCases.createPlan(principal.userId, params.id, {
          ...planInput(body),
          bandwidthGb: body.bandwidthGb ?? body.bandwidth!
        }),
        (p) => ok("Plan created", p, 201)
      )
  }),
  route({
    method: "put",
    path: "/api/admin/services/:id/plans/:planId",
    summary: "Update a plan (capacity: PUT /api/admin/plans/:id/quota)",
    tag: "admin",
    access: "admin",
    response: Plan,
    params: PlanParams,
    body: PlanUpdateBody,
    handle: ({ principal, params, body }) =>
      Effect.map(
        Effect.flatMap(Catalog, (c) => c.updatePlan(principal.userId, params.planId, planInput(body))),
        (p) => ok("Plan updated", p)
      )
  }),
  route({
    method: "delete",
    path: "/api/admin/services/:id/plans/:planId",
    summary: "Delete a plan nobody ever subscribed to",
    tag: "admin",
    access: "admin",
    response: Nothing,
    params: PlanParams,
    handle: ({ principal, params }) =>
      Effect.as(
        Effect.flatMap(Catalog, (c) => c.deletePlan(principal.userId, params.planId)),
        ok("Plan deleted", null)
      )
  }),
  route({
    method: "put",
    path: "/api/admin/plans/:id/quota",
    summary: "Set a plan's capacity (never below what is in use)",
    tag: "admin",
    access: "admin",
    response: Plan,
    params: IdParams,
    body: QuotaBody,
    handle: ({ principal, params, body }) =>
      Effect.map(CatalogUseCases.setPlanQuota(principal.userId, params.id, body.totalQuota), (p) =>
        ok("Quota updated", p)
      )
  })
]
