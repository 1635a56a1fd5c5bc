import { spawnSync } from "node:child_process"
import { ConfigProvider, Effect } from "effect"
import { describe, expect, it } from "vitest"
import { AppConfig } from "../../infra/config.ts"
import { devSurfacesOf, mayServeDevSurfaces, productionRefusals, startWarnings } from "../../infra/productionSafety.ts"
import { compiledScript } from "../support/compiled.ts"

const configOf = (env: Record<string, string>) =>
  Effect.runSync(Effect.withConfigProvider(AppConfig, ConfigProvider.fromMap(new Map(Object.entries(env)))))

const productionEnv = {
  NODE_ENV: "production",
  MIDTRANS_MODE: "production",
  MIDTRANS_SERVER_KEY: "Mid-server-real",
  CLUSTER_MODE: "kubernetes",
  JWT_SECRET: "a-production-secret-of-at-least-32-chars",
  ADMIN_PASSWORD: "a-real-admin-password"
}

describe("the production-safety rule", () => {
  it("serves dev surfaces on a developer's loopback machine only", () => {
    expect(mayServeDevSurfaces(configOf({}))).toBe(true)
    expect(mayServeDevSurfaces(configOf({ HOST: "::1" }))).toBe(true)
    expect(mayServeDevSurfaces(configOf({ HOST: "0.0.0.0" }))).toBe(false)
    expect(mayServeDevSurfaces(configOf({ MINISPOD_ENV: "production" }))).toBe(false)
    expect(productionRefusals(configOf({}), { midtransModeSet: false })).toEqual([])
  })

  it("refuses production with a simulator, a generated JWT secret, the dev admin password or unconfirmed notifications, naming each", () => {
    const refusals = productionRefusals(
      configOf({ NODE_ENV: "production", MIDTRANS_CONFIRM_STATUS: "false", DEV_CLOCK: "true" }),
      { midtransModeSet: false }
    )
    expect(refusals.map((line) => line.trim().split(":")[0])).toEqual([
      "MIDTRANS_MODE",
      "CLUSTER_MODE",
      "DEV_CLOCK",
      "SMTP_URL",
      "JWT_SECRET",
      "ADMIN_PASSWORD",
      "MIDTRANS_CONFIRM_STATUS"
    ])
    // The same rule for MINISPOD_ENV.
    expect(productionRefusals(configOf({ MINISPOD_ENV: "production" }), { midtransModeSet: false })).toHaveLength(5)
  })

  it.each(["production", "Production", "PRODUCTION", " production ", "production\n"])(
    "never serves the Midtrans simulator with NODE_ENV=%j, chosen explicitly on a loopback HOST or defaulted",
    (nodeEnv) => {
      for (const env of [
        { NODE_ENV: nodeEnv },
        { NODE_ENV: nodeEnv, MIDTRANS_MODE: "simulator", HOST: "127.0.0.1" },
        { MINISPOD_ENV: nodeEnv, MIDTRANS_MODE: "simulator" }
      ]) {
        const config = configOf(env)
        expect(mayServeDevSurfaces(config)).toBe(false)
        expect(productionRefusals(config, { midtransModeSet: "MIDTRANS_MODE" in env })[0]).toMatch(
          /^ {2}MIDTRANS_MODE: the Midtrans simulator .* never runs in production/
        )
      }
    }
  )

  it("starts in production with everything real", () => {
    expect(productionRefusals(configOf(productionEnv), { midtransModeSet: true })).toEqual([])
  })

  it("refuses the HTTP simulators (Midtrans, Kubernetes API) on a non-loopback HOST, chosen or defaulted", () => {
    const defaulted = productionRefusals(configOf({ HOST: "0.0.0.0" }), { midtransModeSet: false })
    expect(defaulted.map((l) => l.trim().split(":")[0])).toEqual(["MIDTRANS_MODE", "CLUSTER_MODE", "SMTP_URL"])
    expect(defaulted[0]).toMatch(/MIDTRANS_MODE: .*loopback HOST \(HOST=0\.0\.0\.0\).*explicitly/)
    expect(
      productionRefusals(
        configOf({ HOST: "0.0.0.0", MIDTRANS_MODE: "sandbox", MIDTRANS_SERVER_KEY: "k", CLUSTER_MODE: "kubernetes" }),
        { midtransModeSet: true }
      )
    ).toEqual([])
    expect(
      productionRefusals(
        configOf({
          HOST: "0.0.0.0",
          MIDTRANS_MODE: "sandbox",
          MIDTRANS_SERVER_KEY: "k",
          CLUSTER_MODE: "kubernetes",
          DEV_CLOCK: "true"
        }),
        { midtransModeSet: true }
      ).map((l) => l.trim().split(":")[0])
    ).toEqual(["DEV_CLOCK"])
  })

  it("lists every dev surface in one place and warns when notifications are not confirmed", () => {
    expect(
      devSurfacesOf(configOf({}))
        .filter((s) => s.active)
        .map((s) => s.variable)
    ).toEqual(["MIDTRANS_MODE", "CLUSTER_MODE", "SMTP_URL"])
    expect(startWarnings(configOf({ MIDTRANS_CONFIRM_STATUS: "false" }))).toHaveLength(1)
    expect(startWarnings(configOf({}))).toEqual([])
  })

  it("stops the server at start in production, naming each variable", () => {
    const run = spawnSync(process.execPath, [compiledScript("server")], {
      // Spelt loosely, with the simulator chosen explicitly on a loopback HOST: still refused.
      env: { PATH: process.env["PATH"], NODE_ENV: " Production", MIDTRANS_MODE: "simulator", HOST: "127.0.0.1" },
      encoding: "utf8",
      timeout: 30_000
    })
    expect(run.status).toBe(2)
    expect(run.stderr).toMatch(/MIDTRANS_MODE: the Midtrans simulator/)
    expect(run.stderr).toMatch(/JWT_SECRET: required in production/)
  })
})
