import { Effect, Layer } from "effect"
import type postgres from "postgres"
import {
  Catalog,
  CatalogConflict,
  CatalogEntryNotFound,
  type CategoryView,
  type PlanView,
  type ServiceView
} from "../../application/ports/catalog.ts"
import { defaultTemplate } from "../../application/catalog/serviceTemplate.ts"
import { isUniqueViolation, Pg, type Sql } from "./client.ts"
import { containsPattern } from "./like.ts"

type Row = Record<string, any>

const toCategory = (r: Row): CategoryView => ({
  id: r["id"],
  name: r["name"],
  slug: r["slug"],
  description: r["description"],
  sortOrder: r["sort_order"],
  isActive: r["is_active"],
  serviceCount: r["service_count"] ?? 0
})

const toService = (r: Row): ServiceView => ({
  id: r["id"],
  categoryId: r["category_id"],
  categorySlug: r["category_slug"],
  name: r["name"],
  slug: r["slug"],
  description: r["description"],
  icon: r["icon"] ?? null,
  dockerImage: r["docker_image"],
  defaultPort: r["default_port"],
  envTemplate: r["env_template"],
  template: r["template"] ?? defaultTemplate,
  tags: r["tags"],
  isFeatured: r["is_featured"],
  isActive: r["is_active"],
  isPublic: r["is_public"],
  sortOrder: r["sort_order"],
  startingPrice: r["starting_price"] ?? null
})

export const toPlan = (r: Row): PlanView => ({
  id: r["id"],
  serviceId: r["service_id"],
  name: r["name"],
  planType: r["plan_type"],
  monthlyPrice: r["monthly_price"],
  cpuMilli: r["cpu_milli"],
  memoryMb: r["memory_mb"],
  storageGb: r["storage_gb"],
  bandwidthGb: r["bandwidth_gb"],
  bandwidth: r["bandwidth_gb"],
  totalQuota: r["total_quota"],
  usedQuota: r["used_quota"],
  availableQuota: r["total_quota"] - r["used_quota"],
  features: r["features"],
  maxInstancesPerUser: r["max_instances_per_user"],
  isActive: r["is_active"],
  isPopular: r["is_popular"],
  sortOrder: r["sort_order"]
})

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const serviceSelect = (sql: Sql) => sql`
  select s.*, c.slug as category_slug,
    (select min(p.monthly_price) from plans p where p.service_id = s.id and p.is_active) as starting_price
  from services s join categories c on c.id = s.category_id`

/** JSON columns are sent as json; the rest as plain parameters. */
const jsonInputs = new Set(["envTemplate", "template", "features"])

/** Column updates from a partial input: only the fields given change. */
const changes = (sql: Sql, input: Record<string, unknown>, columns: Record<string, string>) => {
  const entries = Object.entries(columns).filter(([key]) => input[key] !== undefined)
  const row = Object.fromEntries(
    entries.map(([key, column]) => [column, jsonInputs.has(key) ? sql.json(input[key] as never) : input[key]])
  )
  return entries.length === 0 ? undefined : sql(row as never)
}

const categoryColumns = {
  name: "name",
  slug: "slug",
  description: "description",
  sortOrder: "sort_order",
  isActive: "is_active"
}
const serviceColumns = {
  categoryId: "category_id",
  name: "name",
  slug: "slug",
  description: "description",
  icon: "icon",
  dockerImage: "docker_image",
  defaultPort: "default_port",
  envTemplate: "env_template",
  template: "template",
  tags: "tags",
  isFeatured: "is_featured",
  isActive: "is_active",
  isPublic: "is_public",
  sortOrder: "sort_order"
}
const planColumns = {
  name: "name",
  planType: "plan_type",
  monthlyPrice: "monthly_price",
  cpuMilli: "cpu_milli",
  memoryMb: "memory_mb",
  storageGb: "storage_gb",
  bandwidthGb: "bandwidth_gb",
  features: "features",
  maxInstancesPerUser: "max_instances_per_user",
  isActive: "is_active",
  isPopular: "is_popular",
  sortOrder: "sort_order"
}

export const CatalogPostgres = Layer.effect(
  Catalog,
  Effect.map(Pg, (sql) => {
    const audit = (
      tx: postgres.TransactionSql<{ bigint: number }>,
      actor: string,
      action: string,
      entity: string,
      entityId: string,
      before: unknown,
      after: unknown
    ) =>
      tx`insert into admin_audit_log (actor, action, entity, entity_id, before, after, at)
        values (${actor}, ${action}, ${entity}, ${entityId}, ${before === undefined ? null : tx.json(before as never)},
          ${after === undefined ? null : tx.json(after as never)}, now())`

    const loadCategory = async (db: Sql | postgres.TransactionSql<{ bigint: number }>, id: string) => {
      if (!uuidShape.test(id)) return undefined
      const [row] = await db<
        Array<Row>
      >`select c.*, (select count(*) from services s where s.category_id = c.id)::int as service_count
        from categories c where c.id = ${id}`
      return row && toCategory(row)
    }
    const loadService = async (db: Sql | postgres.TransactionSql<{ bigint: number }>, id: string) => {
      if (!uuidShape.test(id)) return undefined
      const [row] = await db<Array<Row>>`${serviceSelect(db as Sql)} where s.id = ${id}`
      return row && toService(row)
    }
    const loadPlan = async (db: Sql | postgres.TransactionSql<{ bigint: number }>, id: string) => {
      if (!uuidShape.test(id)) return undefined
      const [row] = await db<Array<Row>>`select * from plans where id = ${id}`
      return row && toPlan(row)
    }

    /** One admin change: the write and its audit row in one transaction; unique keys become conflicts. */
    const admin = <A>(entity: string, body: (tx: postgres.TransactionSql<{ bigint: number }>) => Promise<A>) =>
      Effect.tryPromise({ try: () => sql.begin(body) as Promise<A>, catch: (e) => e }).pipe(
        Effect.catchAll((error): Effect.Effect<never, CatalogEntryNotFound | CatalogConflict> =>
          error instanceof CatalogEntryNotFound || error instanceof CatalogConflict
            ? Effect.fail(error)
            : isUniqueViolation(error)
              ? Effect.fail(new CatalogConflict({ entity, reason: "name or slug already in use" }))
              : (error as { code?: string }).code === "23503"
                ? Effect.fail(new CatalogConflict({ entity, reason: "still referenced" }))
                : Effect.die(error)
        )
      )

    return Catalog.of({
      categories: (includeHidden) =>
        Effect.promise(async () => {
          const rows = await sql<Array<Row>>`select c.*, (select count(*) from services s where s.category_id = c.id
              ${includeHidden ? sql`` : sql`and s.is_active and s.is_public`})::int as service_count
            from categories c ${includeHidden ? sql`` : sql`where c.is_active`} order by c.sort_order, c.name`
          return rows.map(toCategory)
        }),
      services: (f) =>
        Effect.promise(async () => {
          const where = sql`true
            ${f.includeHidden ? sql`` : sql`and s.is_active and s.is_public and c.is_active`}
            ${f.categorySlug === undefined ? sql`` : sql`and c.slug = ${f.categorySlug}`}
            ${f.featured === undefined ? sql`` : sql`and s.is_featured = ${f.featured}`}
            ${
              f.query === undefined
                ? sql``
                : sql`and (s.name ilike ${containsPattern(f.query)} or s.description ilike ${containsPattern(f.query)}
              or exists (select 1 from unnest(s.tags) t where t ilike ${containsPattern(f.query)}))`
            }`
          const [rows, [count]] = await Promise.all([
            sql<
              Array<Row>
            >`${serviceSelect(sql)} where ${where} order by s.sort_order, s.name limit ${f.limit} offset ${(f.page - 1) * f.limit}`,
            sql<
              Array<{ n: number }>
            >`select count(*)::int as n from services s join categories c on c.id = s.category_id where ${where}`
          ])
          return { items: rows.map(toService), total: count?.n ?? 0 }
        }),
      serviceBySlug: (slug, includeHidden) =>
        Effect.promise(async () => {
          const [row] = await sql<Array<Row>>`${serviceSelect(sql)} where s.slug = ${slug}
            ${includeHidden ? sql`` : sql`and s.is_active and s.is_public`}`
          return row && toService(row)
        }),
      serviceById: (id) => Effect.promise(() => loadService(sql, id)),
      plansOf: (serviceId, includeHidden) =>
        Effect.promise(async () => {
          if (!uuidShape.test(serviceId)) return []
          const rows = await sql<Array<Row>>`select * from plans where service_id = ${serviceId}
            ${includeHidden ? sql`` : sql`and is_active`} order by sort_order, monthly_price`
          return rows.map(toPlan)
        }),
      planById: (id) => Effect.promise(() => loadPlan(sql, id)),
      allPlans: Effect.promise(async () => (await sql<Array<Row>>`select * from plans`).map(toPlan)),
      createCategory: (actor, id, input) =>
        admin("category", async (tx) => {
          await tx`insert into categories ${tx({ id, name: input.name, slug: input.slug, description: input.description ?? null, sort_order: input.sortOrder ?? 0, is_active: input.isActive ?? true } as never)}`
          const created = (await loadCategory(tx, id))!
          await audit(tx, actor, "create", "category", id, undefined, created)
          return created
        }),
      updateCategory: (actor, id, input) =>
        admin("category", async (tx) => {
          const before = await loadCategory(tx, id)
          if (before === undefined) throw new CatalogEntryNotFound({ entity: "category", id })
          const set = changes(tx as unknown as Sql, input, categoryColumns)
          if (set) await tx`update categories set ${set}, updated_at = now() where id = ${id}`
          const after = (await loadCategory(tx, id))!
          await audit(tx, actor, "update", "category", id, before, after)
          return after
        }),
      deleteCategory: (actor, id) =>
        admin("category", async (tx) => {
          const before = await loadCategory(tx, id)
          if (before === undefined) throw new CatalogEntryNotFound({ entity: "category", id })
          if (before.serviceCount > 0)
            throw new CatalogConflict({ entity: "category", reason: "it still has services" })
          await tx`delete from categories where id = ${id}`
          await audit(tx, actor, "delete", "category", id, before, undefined)
        }),
      createService: (actor, id, input) =>
        admin("service", async (tx) => {
          if ((await loadCategory(tx, input.categoryId)) === undefined)
            throw new CatalogEntryNotFound({ entity: "category", id: input.categoryId })
          await tx`insert into services ${tx({
            id,
            category_id: input.categoryId,
            name: input.name,
            slug: input.slug,
            description: input.description ?? "",
            icon: input.icon ?? null,
            docker_image: input.dockerImage,
            default_port: input.defaultPort,
            env_template: tx.json((input.envTemplate ?? {}) as never),
            template: input.template === undefined ? null : tx.json(input.template as never),
            tags: input.tags ?? [],
            is_featured: input.isFeatured ?? false,
            is_active: input.isActive ?? true,
            is_public: input.isPublic ?? true,
            sort_order: input.sortOrder ?? 0
          } as never)}`
          const created = (await loadService(tx, id))!
          await audit(tx, actor, "create", "service", id, undefined, created)
          return created
        }),
      updateService: (actor, id, input) =>
        admin("service", async (tx) => {
          const before = await loadService(tx, id)
          if (before === undefined) throw new CatalogEntryNotFound({ entity: "service", id })
          if (input.categoryId !== undefined && (await loadCategory(tx, input.categoryId)) === undefined) {
            throw new CatalogEntryNotFound({ entity: "category", id: input.categoryId })
          }
          const set = changes(tx as unknown as Sql, input as Record<string, unknown>, serviceColumns)
          if (set) await tx`update services set ${set}, updated_at = now() where id = ${id}`
          const after = (await loadService(tx, id))!
          await audit(tx, actor, "update", "service", id, before, after)
          return after
        }),
      deleteService: (actor, id) =>
        admin("service", async (tx) => {
          const before = await loadService(tx, id)
          if (before === undefined) throw new CatalogEntryNotFound({ entity: "service", id })
          const [plans] = await tx<Array<{ n: number }>>`select count(*)::int as n from plans where service_id = ${id}`
          if (plans!.n > 0)
            throw new CatalogConflict({ entity: "service", reason: "it still has plans; deactivate it instead" })
          await tx`delete from services where id = ${id}`
          await audit(tx, actor, "delete", "service", id, before, undefined)
        }),
      createPlan: (actor, serviceId, id, input) =>
        admin("plan", async (tx) => {
          if ((await loadService(tx, serviceId)) === undefined)
            throw new CatalogEntryNotFound({ entity: "service", id: serviceId })
          await tx`insert into plans ${tx({
            id,
            service_id: serviceId,
            name: input.name,
            plan_type: input.planType,
            monthly_price: input.monthlyPrice,
            cpu_milli: input.cpuMilli,
            memory_mb: input.memoryMb,
            storage_gb: input.storageGb,
            bandwidth_gb: input.bandwidthGb,
            total_quota: input.totalQuota,
            features: tx.json((input.features ?? []) as never),
            max_instances_per_user: input.maxInstancesPerUser ?? 1,
            is_active: input.isActive ?? true,
            is_popular: input.isPopular ?? false,
            sort_order: input.sortOrder ?? 0
          } as never)}`
          const created = (await loadPlan(tx, id))!
          await audit(tx, actor, "create", "plan", id, undefined, created)
          return created
        }),
      updatePlan: (actor, id, input) =>
        admin("plan", async (tx) => {
          const before = await loadPlan(tx, id)
          if (before === undefined) throw new CatalogEntryNotFound({ entity: "plan", id })
          const set = changes(tx as unknown as Sql, input as Record<string, unknown>, planColumns)
          if (set) await tx`update plans set ${set}, updated_at = now() where id = ${id}`
          const after = (await loadPlan(tx, id))!
          await audit(tx, actor, "update", "plan", id, before, after)
          return after
        }),
      deletePlan: (actor, id) =>
        admin("plan", async (tx) => {
          const before = await loadPlan(tx, id)
          if (before === undefined) throw new CatalogEntryNotFound({ entity: "plan", id })
          const [used] = await tx`select 1 from events where stream_id = ${`plan-quota-${id}`} limit 1`
          if (used !== undefined)
            throw new CatalogConflict({ entity: "plan", reason: "it has been subscribed to; deactivate it instead" })
          await tx`delete from plans where id = ${id}`
          await audit(tx, actor, "delete", "plan", id, before, undefined)
        }),
      recordAdminAction: (e) =>
        Effect.promise(() =>
          sql.begin((tx) => audit(tx, e.actor, e.action, e.entity, e.entityId, e.before, e.after))
        ).pipe(Effect.asVoid)
    })
  })
)
