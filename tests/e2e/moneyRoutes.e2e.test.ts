import { beforeAll, describe, expect, it } from "vitest"
import { midtransSignature } from "../../adapters/midtrans/signature.ts"
import type { TestDatabase } from "../support/database.ts"
import { serverForFile, waitFor } from "../support/e2eServer.ts"
import { seededPlans } from "../support/seededCatalog.ts"
import { adminToken, type Api, balanceOf, customer, type StartedServer } from "../support/server.ts"

const { n8nBasic, n8nPro, ghostBasic, wordpressBasic } = seededPlans
const serverKey = "SB-Mid-server-money-routes-0123456789"
const jwtSecret = "money-routes-e2e-secret-money-routes-e2e"

let db: TestDatabase
let server: StartedServer
let http: Api
let admin: string
serverForFile(
  {
    JWT_SECRET: jwtSecret,
    MIDTRANS_SERVER_KEY: serverKey,
    DEV_CLOCK: "true",
    SIM_CLUSTER_READY_MS: "100",
    PROVISIONING_POLL_MS: "100",
    PROVISIONING_TIMEOUT_SECONDS: "3"
  },
  (world) => ({ db, server, http, admin } = world)
)

interface Answer {
  readonly status: number
  readonly replayed: string | null
  readonly text: string
  readonly body: any
}

/** One request with an optional Idempotency-Key, keeping the response's very text. */
const send = async (method: string, path: string, token: string, body: unknown, key?: string): Promise<Answer> => {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${token}`,
      ...(key ? { "idempotency-key": key } : {})
    },
    body: JSON.stringify(body)
  })
  const text = await response.text()
  return {
    status: response.status,
    replayed: response.headers.get("idempotent-replayed"),
    text,
    body: JSON.parse(text)
  }
}

/** Everything a money request can change for one user: ledger lines, payments, subscriptions. */
const effectsOn = async (userId: string) => {
  const ledger =
    await db.sql`select transaction_id, type, direction, amount from ledger_entries where user_id = ${userId} order by position`
  const payments =
    await db.sql`select order_id, status, reversed_amount from payments where user_id = ${userId} order by order_id`
  const subscriptions =
    await db.sql`select id, plan_id, status from subscriptions where user_id = ${userId} order by id`
  return { ledger: [...ledger], payments: [...payments], subscriptions: [...subscriptions] }
}

const instanceStatus = (token: string, id: string) => async () =>
  (await http.get(`/api/instances/${id}/status`, token)).body.data.status as string

/** After a jump of the development clock every access token has expired: log in again. */
const relogin = async (email: string) =>
  (await http.post("/api/auth/login", { email, password: "correct horse battery" })).body.data.accessToken as string

interface MoneyCase {
  /** The user whose money the route moves. */
  readonly userId: string
  readonly token: string
  readonly method: "POST" | "PUT"
  readonly path: string
  readonly body: unknown
  /** The same request with another body; absent for routes that take no body (the key's scope is the path). */
  readonly otherBody?: unknown
  readonly status: number
  /** Waits until what the first request started has finished (provisioning), so effects are stable. */
  readonly settled?: () => Promise<void>
}

// A suspended subscription to reactivate: built first, because it moves the development clock 40 days.
let suspended: { id: string; userId: string; email: string }
beforeAll(async () => {
  for (const planId of [n8nBasic, n8nPro, ghostBasic, wordpressBasic]) {
    expect((await http.put(`/api/admin/plans/${planId}/quota`, { totalQuota: 1_000 }, admin)).status).toBe(200)
  }
  const user = await customer(http, admin, "suspended", 50_000)
  const sub = (await http.post("/api/subscriptions", { planId: n8nBasic }, user.token)).body.data
  for (const days of [32, 8]) expect((await http.post("/dev/clock/advance", { days })).status).toBe(200)
  admin = await adminToken(http)
  const token = await relogin(user.email)
  expect((await http.get(`/api/subscriptions/${sub.id}`, token)).body.data.status).toBe("SUSPENDED")
  suspended = { id: sub.id, userId: user.id, email: user.email }
})

/** Every route that takes an Idempotency-Key (the `idempotent` routes of adapters/http/routes, API.md's money routes). */
const moneyCases: Record<string, () => Promise<MoneyCase>> = {
  "POST /api/wallet/topup": async () => {
    const u = await customer(http, admin, "idem-topup", 0)
    return {
      userId: u.id,
      token: u.token,
      method: "POST",
      path: "/api/wallet/topup",
      body: { amount: 20_000, paymentMethod: "QRIS" },
      otherBody: { amount: 30_000, paymentMethod: "QRIS" },
      status: 201
    }
  },
  "POST /api/admin/users/:id/credit-adjustment": async () => {
    const u = await customer(http, admin, "idem-adjust", 0)
    return {
      userId: u.id,
      token: admin,
      method: "POST",
      path: `/api/admin/users/${u.id}/credit-adjustment`,
      body: { amount: 40_000, reason: "goodwill" },
      otherBody: { amount: 40_001, reason: "goodwill" },
      status: 201
    }
  },
  "POST /api/wallet/redeem-coupon": async () => {
    const code = `IDEM${Date.now()}`
    expect(
      (
        await http.post(
          "/api/admin/coupons",
          { code, name: "Idempotent credit", type: "CREDIT_TOPUP", value: 25_000, maxUses: 10, maxUsesPerUser: 5 },
          admin
        )
      ).status
    ).toBe(201)
    const u = await customer(http, admin, "idem-redeem", 0)
    return {
      userId: u.id,
      token: u.token,
      method: "POST",
      path: "/api/wallet/redeem-coupon",
      body: { code },
      otherBody: { code: code.toLowerCase() },
      status: 201
    }
  },
  "POST /api/subscriptions": async () => {
    const u = await customer(http, admin, "idem-subscribe", 200_000)
    return {
      userId: u.id,
      token: u.token,
      method: "POST",
      path: "/api/subscriptions",
      body: { planId: n8nBasic },
      otherBody: { planId: ghostBasic },
      status: 201
    }
  },
  "POST /api/instances": async () => {
    const u = await customer(http, admin, "idem-instance", 200_000)
    return {
      userId: u.id,
      token: u.token,
      method: "POST",
      path: "/api/instances",
      body: { planId: ghostBasic, name: "blog" },
      otherBody: { planId: ghostBasic, name: "other-blog" },
      status: 201
    }
  },
  "PUT /api/subscriptions/:id/upgrade": async () => {
    const u = await customer(http, admin, "idem-upgrade", 300_000)
    const sub = (await http.post("/api/subscriptions", { planId: n8nBasic }, u.token)).body.data
    return {
      userId: u.id,
      token: u.token,
      method: "PUT",
      path: `/api/subscriptions/${sub.id}/upgrade`,
      body: { newPlanId: n8nPro },
      otherBody: { newPlanId: n8nBasic },
      status: 200
    }
  },
  "POST /api/subscriptions/:id/reactivate": async () => {
    const token = await relogin(suspended.email)
    await http.post(
      `/api/admin/users/${suspended.userId}/credit-adjustment`,
      { amount: 50_000, reason: "back again" },
      admin
    )
    return {
      userId: suspended.userId,
      token,
      method: "POST",
      path: `/api/subscriptions/${suspended.id}/reactivate`,
      body: {},
      status: 200
    }
  },
  "POST /api/subscriptions/:id/retry-provisioning": async () => {
    const u = await customer(http, admin, "idem-retry", 200_000)
    const sub = (await http.post("/api/subscriptions", { planId: ghostBasic, instanceName: "crash-retry" }, u.token))
      .body.data
    expect(await waitFor(instanceStatus(u.token, sub.id), "ERROR", 30_000)).toBe("ERROR")
    return {
      userId: u.id,
      token: u.token,
      method: "POST",
      path: `/api/subscriptions/${sub.id}/retry-provisioning`,
      body: {},
      status: 200,
      // The retried instance crashes again (its name asks the simulator to): wait for its refund.
      settled: async () => void expect(await waitFor(instanceStatus(u.token, sub.id), "ERROR", 30_000)).toBe("ERROR")
    }
  },
  "POST /api/admin/subscriptions (bonus)": async () => {
    const u = await customer(http, admin, "idem-bonus", 0)
    return {
      userId: u.id,
      token: admin,
      method: "POST",
      path: "/api/admin/subscriptions",
      body: { userId: u.id, planId: n8nBasic, reason: "partner" },
      otherBody: { userId: u.id, planId: ghostBasic, reason: "partner" },
      status: 201
    }
  },
  "POST /api/admin/subscriptions/:id/refund": async () => {
    const u = await customer(http, admin, "idem-refund", 100_000)
    const sub = (await http.post("/api/subscriptions", { planId: ghostBasic }, u.token)).body.data
    return {
      userId: u.id,
      token: admin,
      method: "POST",
      path: `/api/admin/subscriptions/${sub.id}/refund`,
      body: { amount: 10_000, reason: "goodwill" },
      otherBody: { amount: 10_000, reason: "other goodwill" },
      status: 201
    }
  },
  "PUT /api/admin/subscriptions/:id/upgrade": async () => {
    const u = await customer(http, admin, "idem-admin-upgrade", 300_000)
    const sub = (await http.post("/api/subscriptions", { planId: n8nBasic }, u.token)).body.data
    return {
      userId: u.id,
      token: admin,
      method: "PUT",
      path: `/api/admin/subscriptions/${sub.id}/upgrade`,
      body: { newPlanId: n8nPro, reason: "asked by phone" },
      otherBody: { newPlanId: n8nPro, bonus: true, reason: "asked by phone" },
      status: 200
    }
  }
}

describe("Idempotency-Key on every money route", () => {
  it("the served routes that honour the key are exactly the ones below", async () => {
    const spec = (await http.get("/openapi.json")).body
    const keyed = Object.entries(
      spec.paths as Record<string, Record<string, { parameters?: Array<{ name: string }> }>>
    ).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => op.parameters?.some((p) => p.name === "Idempotency-Key"))
        .map(([method]) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`)
    )
    expect(keyed.sort()).toEqual(
      Object.keys(moneyCases)
        .map((name) => name.replace(" (bonus)", ""))
        .sort()
    )
  })

  it.each(Object.keys(moneyCases))(
    "%s: the same key and body replay the first response and move nothing more; another body is 409",
    async (name) => {
      const c = await moneyCases[name]!()
      const key = `idem-${name.replace(/[^\w/:-]/g, "_")}-${c.userId}`
      const first = await send(c.method, c.path, c.token, c.body, key)
      expect(first.status, first.text).toBe(c.status)
      expect(first.replayed).toBeNull()
      await c.settled?.()
      const effects = await effectsOn(c.userId)
      expect(effects.ledger.length + effects.payments.length + effects.subscriptions.length).toBeGreaterThan(0)

      const replay = await send(c.method, c.path, c.token, c.body, key)
      expect(replay.status).toBe(first.status)
      expect(replay.replayed).toBe("true")
      expect(replay.text).toBe(first.text)
      expect(await effectsOn(c.userId)).toEqual(effects)

      if (c.otherBody !== undefined) {
        const mismatch = await send(c.method, c.path, c.token, c.otherBody, key)
        expect(mismatch.status).toBe(409)
        expect(mismatch.body).toMatchObject({ success: false, error: { code: "CONFLICT" } })
        expect(await effectsOn(c.userId)).toEqual(effects)
      }
    }
  )

  it("a failed attempt frees its key: the same key succeeds once the cause is fixed, then replays", async () => {
    const u = await customer(http, admin, "idem-freed", 10_000)
    const refused = await send("POST", "/api/subscriptions", u.token, { planId: n8nBasic }, "first-try")
    expect(refused.status).toBe(402)
    await http.post(`/api/admin/users/${u.id}/credit-adjustment`, { amount: 40_000, reason: "top up" }, admin)
    const retried = await send("POST", "/api/subscriptions", u.token, { planId: n8nBasic }, "first-try")
    expect(retried.status).toBe(201)
    expect(retried.replayed).toBeNull()
    expect((await send("POST", "/api/subscriptions", u.token, { planId: n8nBasic }, "first-try")).replayed).toBe("true")
    expect(await balanceOf(http, u.token)).toBe(0)
  })
})

/** Midtrans' truth in the simulator first (the server confirms with its status API), then the signed notification. */
const chargeback = async (orderId: string, amount: number) => {
  await db.sql`update midtrans_simulator set transaction_status = 'chargeback', refund_amount = null, refund_key = null where order_id = ${orderId}`
  const gross = `${amount}.00`
  return http.post("/api/webhooks/midtrans", {
    order_id: orderId,
    status_code: "200",
    gross_amount: gross,
    transaction_status: "chargeback",
    signature_key: midtransSignature(orderId, "200", gross, serverKey)
  })
}

describe("one wallet hit at once by a charge, an upgrade, an admin debit and a chargeback", () => {
  it("never goes below zero; every success is one ledger line, every refusal none; the chargeback's shortfall is what the wallet lacked; audit clean", async () => {
    const round = async (i: number) => {
      const u = await customer(http, admin, `hit-${i}`, 90_000)
      const topUp = (await http.post("/api/wallet/topup", { amount: 100_000, paymentMethod: "CREDIT_CARD" }, u.token))
        .body.data
      expect((await fetch(`${topUp.redirectUrl}/settle`, { method: "POST", redirect: "manual" })).status).toBe(303)
      const held = (await http.post("/api/subscriptions", { planId: n8nBasic }, u.token)).body.data
      expect(await balanceOf(http, u.token)).toBe(140_000)
      const [counted] = await db.sql<
        Array<{ n: number }>
      >`select count(*)::int as n from ledger_entries where user_id = ${u.id}`
      const linesBefore = counted!.n
      // 75,000 + ~100,000 + 40,000 + 100,000 asked of 140,000: which succeed depends on the interleaving.
      const [subscribe, upgrade, debit, reversal] = await Promise.all([
        http.post("/api/subscriptions", { planId: ghostBasic }, u.token),
        http.put(`/api/subscriptions/${held.id}/upgrade`, { newPlanId: n8nPro }, u.token),
        http.post(`/api/admin/users/${u.id}/credit-adjustment`, { amount: -40_000, reason: "clawback" }, admin),
        chargeback(topUp.transactionId, 100_000)
      ])
      expect([201, 402]).toContain(subscribe.status)
      expect([200, 402]).toContain(upgrade.status)
      expect([201, 402]).toContain(debit.status)
      expect(reversal.status).toBe(200)

      const lines = await db.sql<
        Array<{ direction: string; amount: number; balance_before: number; balance_after: number; type: string }>
      >`
        select direction, amount::int, balance_before::int, balance_after::int, type from ledger_entries where user_id = ${u.id} order by position`
      for (const [k, line] of lines.entries()) {
        expect(line.balance_after).toBeGreaterThanOrEqual(0)
        expect(line.balance_after).toBe(
          line.balance_before + (line.direction === "CREDIT" ? line.amount : -line.amount)
        )
        if (k > 0) expect(line.balance_before).toBe(lines[k - 1]!.balance_after)
      }
      const final = await balanceOf(http, u.token)
      expect(final).toBe(lines.at(-1)!.balance_after)
      expect(final).toBe(lines.reduce((sum, l) => sum + (l.direction === "CREDIT" ? l.amount : -l.amount), 0))
      const [payment] = await db.sql<Array<{ reversed: number; shortfall: number }>>`
        select reversed_amount::int as reversed, shortfall::int from payments where order_id = ${topUp.transactionId}`
      expect(payment!.reversed).toBe(100_000)
      const debitedBack = 100_000 - payment!.shortfall
      const successes = [subscribe.status === 201, upgrade.status === 200, debit.status === 201].filter(Boolean).length
      expect(lines.length - linesBefore).toBe(successes + (debitedBack > 0 ? 1 : 0))
      // A shortfall only when the wallet could not cover the chargeback at the moment it was applied.
      if (payment!.shortfall > 0) expect(final).toBe(0)
      return { successes, shortfall: payment!.shortfall }
    }
    const outcomes = await Promise.all([1, 2, 3, 4].map(round))
    process.stdout.write(`concurrent hits: ${JSON.stringify(outcomes)}\n`)
    const audit = (await http.get("/api/admin/audit/ledger", admin)).body.data
    expect(audit.problems).toEqual([])
  })
})

describe("an internal failure", () => {
  it("answers 500 INTERNAL with the envelope: no stack, no SQL, no secret; the failed money request frees its key", async () => {
    const u = await customer(http, admin, "boom", 0)
    // The database itself fails the write, with a message full of things that must never reach a client.
    const password = new URL(db.url).password || "no-password"
    await db.sql.unsafe(`
      create function force_internal_failure() returns trigger language plpgsql as $$
      begin
        if new.data->>'reason' = 'force an internal failure' then
          raise exception 'select * from users where password = ''%'' -- JWT_SECRET=% at events.ts:42', '${password}', '${jwtSecret}';
        end if;
        return new;
      end $$;
      create trigger force_internal_failure before insert on events for each row execute function force_internal_failure();`)
    try {
      const failed = await send(
        "POST",
        `/api/admin/users/${u.id}/credit-adjustment`,
        admin,
        { amount: 5_000, reason: "force an internal failure" },
        "boom-1"
      )
      expect(failed.status).toBe(500)
      expect(failed.body).toEqual({ success: false, message: "Internal server error", error: { code: "INTERNAL" } })
      for (const leak of [
        /select/i,
        /users/i,
        /JWT_SECRET/,
        new RegExp(jwtSecret),
        /\.ts:\d+/,
        /\bat\s+\S+\s+\(/,
        /postgres/i,
        /events/i
      ]) {
        expect(failed.text).not.toMatch(leak)
      }
    } finally {
      await db.sql.unsafe("drop trigger force_internal_failure on events; drop function force_internal_failure()")
    }
    const retried = await send(
      "POST",
      `/api/admin/users/${u.id}/credit-adjustment`,
      admin,
      { amount: 5_000, reason: "force an internal failure" },
      "boom-1"
    )
    expect(retried.status).toBe(201)
    expect(retried.replayed).toBeNull()
    expect(await balanceOf(http, u.token)).toBe(5_000)
  })
})
