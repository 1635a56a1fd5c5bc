import { execFile } from "node:child_process"
import { mkdtemp, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { adminToken, api, balanceOf, customer, type StartedServer, startServer } from "../support/server.ts"

const exec = promisify(execFile)
let db: TestDatabase
let server: StartedServer
let http: ReturnType<typeof api>
let admin: string
let dir: string
const started = new Date(Date.now() - 60_000).toISOString()
const users: Array<{ id: string; token: string }> = []

const python = (...args: Array<string>) =>
  exec("python3", ["tools/verify_ledger.py", ...args]).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout + e.stderr })
  )

const exportLedger = async () => {
  const response = await fetch(`${server.baseUrl}/api/admin/audit/events`, {
    headers: { authorization: `Bearer ${admin}` }
  })
  return { headers: response.headers, body: await response.text() }
}

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false })
  server = await startServer({
    DATABASE_URL: db.url,
    JWT_SECRET: "auditor-e2e-secret-auditor-e2e-secret",
    SIM_CLUSTER_READY_MS: "100",
    PROVISIONING_POLL_MS: "100"
  })
  http = api(server.baseUrl)
  admin = await adminToken(http)
  dir = await mkdtemp(join(tmpdir(), "auditor-e2e-"))
  // Every kind of movement: adjustments both ways, a settled top-up, a charge and its refund, a coupon credit.
  const a = await customer(http, admin, "audited-a", 400_000)
  const b = await customer(http, admin, "audited-b", 100_000)
  users.push(a, b)
  const topUp = (await http.post("/api/wallet/topup", { amount: 125_000, paymentMethod: "QRIS" }, a.token)).body.data
  expect((await fetch(`${topUp.redirectUrl}/settle`, { method: "POST", redirect: "manual" })).status).toBe(303)
  const plan = (
    (await http.get("/api/catalog/services/n8n/plans", a.token)).body.data.items as Array<{
      id: string
      planType: string
    }>
  ).find((p) => p.planType === "BASIC")!
  const sub = (await http.post("/api/subscriptions", { planId: plan.id, instanceName: "audited" }, a.token)).body.data
  expect((await http.delete(`/api/subscriptions/${sub.id}`, a.token)).status).toBe(200)
  await http.post(
    "/api/admin/coupons",
    { code: "AUDIT25", name: "Audit", type: "CREDIT_TOPUP", value: 25_000, maxUses: 10 },
    admin
  )
  expect((await http.post("/api/wallet/redeem-coupon", { code: "AUDIT25" }, b.token)).status).toBe(201)
  await http.post(`/api/admin/users/${b.id}/credit-adjustment`, { amount: -30_000, reason: "correction" }, admin)
})
afterAll(async () => {
  await server.stop()
  await db.drop()
})

describe("an outside auditor's tools", () => {
  it("the Python verifier re-hashes the exported ledger, rebuilds the balances and agrees with the server's replay", async () => {
    const exported = await exportLedger()
    const lines = exported.body.trim().split("\n")
    expect(exported.headers.get("x-events-total")).toBe(String(lines.length))
    expect(exported.headers.get("x-truncated")).toBe("false")
    expect(JSON.parse(lines[lines.length - 1]!).position).toBe(Number(exported.headers.get("x-ledger-position")))
    const report = (await http.get("/api/admin/audit/ledger?accounts=true", admin)).body.data
    expect(report).toMatchObject({ ok: true, verdict: "AUDIT OK", eventsChecked: lines.length, accountSum: 0 })
    expect((await http.get("/api/admin/audit/ledger", admin)).body.data.accounts).toBeUndefined()
    await writeFile(join(dir, "ledger.ndjson"), exported.body)
    await writeFile(join(dir, "report.json"), JSON.stringify(report))

    const verified = await python(join(dir, "ledger.ndjson"), "--report", join(dir, "report.json"))
    expect(verified.stdout).toMatch(/VERIFY OK: .* agree with the server's replay/)
    expect(verified.code).toBe(0)
    expect(Object.keys(report.accounts).filter((a) => a.startsWith("wallet:"))).toHaveLength(2)

    // One rupiah changed in one exported event: the verifier names that event.
    const victim = lines.findIndex((l) => l.includes('"WalletCharged"'))
    const edited = [...lines]
    edited[victim] = edited[victim]!.replace(/"amount":(\d+)/, (_, n) => `"amount":${Number(n) + 1}`)
    await writeFile(join(dir, "edited.ndjson"), `${edited.join("\n")}\n`)
    const failed = await python(join(dir, "edited.ndjson"))
    expect(failed.code).toBe(1)
    expect(failed.stdout).toContain(`position ${JSON.parse(lines[victim]!).position} `)
    expect(failed.stdout).toMatch(/hash does not match/)

    // A limit is announced in the headers; tail=true is the commit-safe read for a follower.
    const get = (query: string) =>
      fetch(`${server.baseUrl}/api/admin/audit/events?${query}`, { headers: { authorization: `Bearer ${admin}` } })
    const cut = await get("limit=2")
    expect((await cut.text()).trim().split("\n")).toEqual(lines.slice(0, 2))
    expect(cut.headers.get("x-truncated")).toBe("true")
    expect(cut.headers.get("x-events-total")).toBe(String(lines.length))
    expect(cut.headers.get("x-next-after")).toBe(String(JSON.parse(lines[1]!).position))
    // (Other test files' open transactions may hold the commit-safe horizon back: a prefix, never a gap.)
    const after = JSON.parse(lines[1]!).position
    const tail = await get(`tail=true&limit=2&after=${after}`)
    const tailed = (await tail.text()).split("\n").filter((l) => l !== "")
    expect(tailed).toEqual(lines.slice(2, 2 + tailed.length))
    expect(tail.headers.get("x-next-after")).toBe(
      String(tailed.length ? JSON.parse(tailed[tailed.length - 1]!).position : after)
    )

    // The specification's worked example verifies too.
    expect((await python("tools/example-ledger.ndjson")).code).toBe(0)
  })

  it("statements and period totals agree with each other, with the analytics and with the export", async () => {
    const to = new Date(Date.now() + 60_000).toISOString()
    const window = `from=${encodeURIComponent(started)}&to=${encodeURIComponent(to)}`
    const totals = (await http.get(`/api/admin/audit/totals?${window}`, admin)).body.data
    const revenue = (await http.get(`/api/admin/analytics/revenue?${window}&groupBy=month`, admin)).body.data as Array<
      Record<string, number>
    >
    const sum = (key: string) => revenue.reduce((s, r) => s + r[key]!, 0)
    expect({
      charges: totals.charges,
      refunds: totals.refunds,
      topUps: totals.topUps,
      couponCredits: totals.couponCredits,
      netRevenue: totals.netRevenue
    }).toEqual({
      charges: sum("charged"),
      refunds: sum("refunded"),
      topUps: sum("toppedUp"),
      couponCredits: sum("couponCredit"),
      netRevenue: sum("net")
    })
    expect(totals).toMatchObject({
      topUps: 125_000,
      couponCredits: 25_000,
      adjustmentCredits: 500_000,
      adjustmentDebits: 30_000,
      wallets: 2
    })
    expect(totals.charges).toBeGreaterThan(0)
    expect(totals.refunds).toBeGreaterThan(0)

    const exported = new Map(
      (await exportLedger()).body
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .map((e) => [e.position, e])
    )
    const byKind: Record<string, number> = {}
    for (const user of users) {
      const statement = (await http.get(`/api/admin/audit/statement?userId=${user.id}&${window}`, admin)).body.data
      expect((await http.get(`/api/wallet/statement?${window}`, user.token)).body.data.lines).toEqual(statement.lines)
      expect(statement.openingBalance).toBe(0)
      expect(statement.closingBalance).toBe(await balanceOf(http, user.token))
      expect(statement.closingBalance).toBe(statement.openingBalance + statement.credits - statement.debits)
      for (const line of statement.lines) {
        expect(exported.get(line.position)).toMatchObject({
          hash: line.hash,
          eventId: line.eventId,
          streamId: `wallet-${user.id}`
        })
        const key = line.kind === "ADMIN_ADJUSTMENT" ? `ADMIN_ADJUSTMENT_${line.direction}` : line.kind
        byKind[key] = (byKind[key] ?? 0) + line.amount
      }
      // A later opening: the balance after the first line.
      const [first, second] = statement.lines
      if (second && second.recordedAt > first.recordedAt) {
        const later = (
          await http.get(
            `/api/admin/audit/statement?userId=${user.id}&from=${encodeURIComponent(second.recordedAt)}&to=${encodeURIComponent(to)}`,
            admin
          )
        ).body.data
        expect(later.openingBalance).toBe(first.balanceAfter)
        expect(later.closingBalance).toBe(statement.closingBalance)
      }
    }
    expect({
      topUps: byKind["TOP_UP"] ?? 0,
      charges: (byKind["SUBSCRIPTION"] ?? 0) + (byKind["UPGRADE"] ?? 0),
      refunds: byKind["REFUND"] ?? 0,
      couponCredits: byKind["COUPON_CREDIT"] ?? 0,
      adjustmentCredits: byKind["ADMIN_ADJUSTMENT_CREDIT"] ?? 0,
      adjustmentDebits: byKind["ADMIN_ADJUSTMENT_DEBIT"] ?? 0,
      topUpReversals: byKind["TOP_UP_REVERSAL"] ?? 0
    }).toEqual({
      topUps: totals.topUps,
      charges: totals.charges,
      refunds: totals.refunds,
      couponCredits: totals.couponCredits,
      adjustmentCredits: totals.adjustmentCredits,
      adjustmentDebits: totals.adjustmentDebits,
      topUpReversals: totals.topUpReversals
    })

    const backwards = await http.get(
      `/api/admin/audit/totals?from=${encodeURIComponent(to)}&to=${encodeURIComponent(started)}`,
      admin
    )
    expect(backwards.status).toBe(400)
    expect(backwards.body.error.details).toEqual([{ field: "to", message: "must be after from" }])
    expect((await http.get(`/api/admin/audit/statement?userId=nope&${window}`, admin)).status).toBe(400)
    expect((await http.get(`/api/admin/audit/totals?${window}`, users[0]!.token)).status).toBe(403)
    const documented = Object.keys((await http.get("/openapi.json")).body.paths)
    expect(documented).toEqual(
      expect.arrayContaining([
        "/api/wallet/statement",
        "/api/admin/audit/statement",
        "/api/admin/audit/totals",
        "/api/admin/audit/events",
        "/api/admin/audit/ledger"
      ])
    )
  })
})
