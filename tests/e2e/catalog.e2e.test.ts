import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { adminToken, api, newUser, type StartedServer, startServer } from "../support/server.ts"

let db: TestDatabase
let server: StartedServer
let http: ReturnType<typeof api>
let user: string
let admin: string

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false })
  server = await startServer({ DATABASE_URL: db.url, JWT_SECRET: "catalog-e2e-secret-catalog-e2e-secret" })
  http = api(server.baseUrl)
  user = (await http.post("/api/auth/register", newUser("catalog"))).body.data.accessToken
  admin = await adminToken(http)
})
afterAll(async () => {
  await server.stop()
  await db.drop()
})

describe("catalog", () => {
  it("is seeded on first start: 3 categories, n8n/Ghost/WordPress/PostgreSQL, ≥ 7 plans including FREE", async () => {
    const categories = (await http.get("/api/catalog/categories", user)).body.data
    expect(categories.items).toHaveLength(3)
    expect(categories.pagination).toEqual({ page: 1, limit: 20, total: 3, totalPages: 1 })
    expect((await http.get("/api/catalog/categories?page=2&limit=2", user)).body.data).toMatchObject({
      items: [expect.anything()],
      pagination: { page: 2, limit: 2, total: 3, totalPages: 2 }
    })
    const services = (await http.get("/api/catalog/services", user)).body.data
    expect(services.items.map((s: { slug: string }) => s.slug).sort()).toEqual([
      "ghost",
      "n8n",
      "postgresql",
      "wordpress"
    ])
    expect(services.pagination).toMatchObject({ page: 1, total: 4 })
    const ports = Object.fromEntries(
      services.items.map((s: { slug: string; defaultPort: number }) => [s.slug, s.defaultPort])
    )
    expect(ports).toEqual({ n8n: 5678, ghost: 2368, wordpress: 80, postgresql: 5432 })
    let plans = 0
    let free = 0
    for (const s of services.items) {
      const list = (await http.get(`/api/catalog/services/${s.slug}/plans`, user)).body.data.items
      plans += list.length
      free += list.filter((p: { planType: string }) => p.planType === "FREE").length
      for (const p of list) expect(p.availableQuota).toBe(p.totalQuota - p.usedQuota)
    }
    expect(plans).toBeGreaterThanOrEqual(7)
    expect(free).toBeGreaterThanOrEqual(1)
  })

  it("serves category listings, detail, search and featured; unknown slugs are 404", async () => {
    expect(
      (await http.get("/api/catalog/categories/cms/services", user)).body.data.items
        .map((s: { slug: string }) => s.slug)
        .sort()
    ).toEqual(["ghost", "wordpress"])
    const n8n = (await http.get("/api/catalog/services/n8n", user)).body.data
    expect(n8n).toMatchObject({ slug: "n8n", dockerImage: expect.stringContaining("n8n"), plans: expect.any(Array) })
    expect(
      (await http.get("/api/catalog/search?q=newsletter", user)).body.data.items.map((s: { slug: string }) => s.slug)
    ).toContain("ghost")
    expect(
      (await http.get("/api/catalog/featured", user)).body.data.items.every(
        (s: { isFeatured: boolean }) => s.isFeatured
      )
    ).toBe(true)
    expect((await http.get("/api/catalog/services/nope", user)).status).toBe(404)
    expect((await http.get("/api/catalog/services/Bad_Slug", user)).status).toBe(400)
    expect((await http.get("/api/catalog/services")).status).toBe(401)
  })
})

describe("admin catalog", () => {
  it("creates, updates and deletes categories, services and plans, with an audit log; users get 403", async () => {
    const category = await http.post("/api/admin/categories", { name: "Analytics", slug: "analytics" }, admin)
    expect(category.status).toBe(201)
    expect((await http.post("/api/admin/categories", { name: "Analytics 2", slug: "analytics" }, admin)).status).toBe(
      409
    )
    const service = await http.post(
      "/api/admin/services",
      {
        categoryId: category.body.data.id,
        name: "Umami",
        slug: "umami",
        dockerImage: "ghcr.io/umami-software/umami:postgresql-latest",
        defaultPort: 3000,
        envTemplate: { DATABASE_TYPE: "postgresql" },
        tags: ["analytics"]
      },
      admin
    )
    expect(service.status).toBe(201)
    const plan = await http.post(
      `/api/admin/services/${service.body.data.id}/plans`,
      {
        name: "Umami Basic",
        planType: "BASIC",
        monthlyPrice: 40_000,
        cpuMilli: 250,
        memoryMb: 256,
        storageGb: 2,
        bandwidthGb: 20,
        totalQuota: 5,
        features: ["1 site"]
      },
      admin
    )
    expect(plan.status).toBe(201)
    expect(plan.body.data).toMatchObject({ availableQuota: 5, usedQuota: 0 })
    const updated = await http.put(
      `/api/admin/services/${service.body.data.id}`,
      { isFeatured: true, description: "Privacy-first analytics" },
      admin
    )
    expect(updated.body.data).toMatchObject({ isFeatured: true, description: "Privacy-first analytics", slug: "umami" })
    const env = await http.put(
      `/api/admin/services/${service.body.data.id}`,
      { envTemplate: { DATABASE_TYPE: "mysql", APP_SECRET: "{{secret}}" } },
      admin
    )
    expect(env.body.data.envTemplate).toEqual({ DATABASE_TYPE: "mysql", APP_SECRET: "{{secret}}" })
    expect(
      (await http.put(`/api/admin/services/${service.body.data.id}`, { envTemplate: { "bad key": "x" } }, admin)).status
    ).toBe(400)
    const unknown = await http.put(
      `/api/admin/services/${service.body.data.id}`,
      { envTemplate: { APP_SECRET: "{{secret}}", DB: "{{db_pasword}}" } },
      admin
    )
    expect(unknown.status).toBe(400)
    expect(unknown.body.error.details).toEqual([
      { field: "envTemplate.DB", message: expect.stringContaining("unknown placeholder {{db_pasword}}") }
    ])
    const noDatabase = await http.put(
      `/api/admin/services/${service.body.data.id}`,
      { envTemplate: { HOST: "{{db_host}}" } },
      admin
    )
    expect(noDatabase.body.error.details[0]).toMatchObject({
      field: "envTemplate.HOST",
      message: expect.stringContaining("needs a database component")
    })
    const features = await http.put(
      `/api/admin/services/${service.body.data.id}/plans/${plan.body.data.id}`,
      { features: ["2 sites", "email reports"], monthlyPrice: 45_000 },
      admin
    )
    expect(features.body.data).toMatchObject({ features: ["2 sites", "email reports"], monthlyPrice: 45_000 })
    const quota = await http.put(`/api/admin/plans/${plan.body.data.id}/quota`, { totalQuota: 8 }, admin)
    expect(quota.body.data).toMatchObject({ totalQuota: 8, availableQuota: 8 })
    expect((await http.put(`/api/admin/plans/${plan.body.data.id}/quota`, { totalQuota: -1 }, admin)).status).toBe(400)
    expect((await http.post("/api/admin/categories", { name: "X", slug: "x" }, user)).status).toBe(403)
    expect((await http.delete(`/api/admin/categories/${category.body.data.id}`, admin)).status).toBe(409) // has a service

    const [log] = await db.sql<Array<{ n: number }>>`select count(*)::int as n from admin_audit_log where entity_id in
      (${category.body.data.id}, ${service.body.data.id}, ${plan.body.data.id})`
    expect(log!.n).toBeGreaterThanOrEqual(5)
    const [change] = await db.sql<Array<{ before: { isFeatured: boolean }; after: { isFeatured: boolean } }>>`
      select before, after from admin_audit_log where action = 'update' and entity_id = ${service.body.data.id}`
    expect([change!.before.isFeatured, change!.after.isFeatured]).toEqual([false, true])
  })

  it("validates admin input naming the fields", async () => {
    const response = await http.post(
      "/api/admin/services",
      { categoryId: "nope", name: "", slug: "Bad Slug", dockerImage: "x y", defaultPort: 70000 },
      admin
    )
    expect(response.status).toBe(400)
    expect(response.body.error.details.map((d: { field: string }) => d.field)).toEqual(
      expect.arrayContaining(["body.categoryId", "body.name", "body.slug", "body.dockerImage", "body.defaultPort"])
    )
  })
})
