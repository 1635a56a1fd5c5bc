import { existsSync } from "node:fs"
import { type Browser, chromium } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { api, customer, adminToken, balanceOf, type StartedServer, startServer } from "../support/server.ts"

// Debian's chromium (.ci/run installs it with apt when missing). Without it this file cannot run:
// it says so loudly rather than pass silently.
const executablePath = "/usr/bin/chromium"
const haveChromium = existsSync(executablePath)
if (!haveChromium)
  console.warn(`\n*** BROWSER CHECK SKIPPED: ${executablePath} is missing (apt-get install -y chromium) ***\n`)

let db: TestDatabase
let server: StartedServer
let browser: Browser

beforeAll(async () => {
  if (!haveChromium) return
  db = await createTestDatabase({ migrate: false })
  server = await startServer({ DATABASE_URL: db.url, JWT_SECRET: "browser-e2e-secret-browser-e2e-secret-x" })
  browser = await chromium.launch({
    executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
  })
})
afterAll(async () => {
  if (!haveChromium) return
  await browser.close()
  await server.stop()
  await db.drop()
})

describe.skipIf(!haveChromium)("in a browser", () => {
  it("/docs lists the API's operations, with every asset served by MinisPod itself", async () => {
    const page = await browser.newPage()
    const requested: Array<string> = []
    page.on("request", (r) => requested.push(r.url()))
    await page.goto(`${server.baseUrl}/docs`)
    await page.locator(".opblock").first().waitFor({ timeout: 20_000 })
    const paths = await page.locator(".opblock-summary-path").allTextContents()
    expect(paths.map((p) => p.replace(/\u200b/g, ""))).toEqual(
      expect.arrayContaining([
        "/api/wallet/topup",
        "/api/auth/login",
        "/api/catalog/services/{serviceSlug}/plans",
        "/healthz"
      ])
    )
    expect(paths.length).toBeGreaterThan(60)
    expect(await page.getByText("MinisPod API").first().isVisible()).toBe(true)
    expect(requested.filter((url) => !url.startsWith(server.baseUrl) && !url.startsWith("data:"))).toEqual([])
    await page.close()
  })

  it("pays a top-up on the Midtrans simulator page and sees it settled", async () => {
    const http = api(server.baseUrl)
    const user = await customer(http, await adminToken(http), "browser", 0)
    const topUp = (await http.post("/api/wallet/topup", { amount: 75_000, paymentMethod: "QRIS" }, user.token)).body
      .data
    const page = await browser.newPage()
    await page.goto(topUp.redirectUrl)
    await expect.poll(() => page.locator("#status").textContent()).toBe("pending")
    expect(await page.getByText(topUp.transactionId).first().isVisible()).toBe(true)
    await page.getByRole("button", { name: "Pay (settle)" }).click()
    await page.waitForLoadState()
    await expect.poll(() => page.locator("#status").textContent()).toBe("settlement")
    await page.close()
    expect(await balanceOf(http, user.token)).toBe(75_000)
  })
})
