import { once } from "node:events"
import { createServer } from "node:net"
import { ConfigProvider, Effect } from "effect"
import { describe, expect, it } from "vitest"
import { AppConfig } from "../../infra/config.ts"
import { metricsServing } from "../../infra/metrics.ts"

const freePort = async () => {
  const probe = createServer().listen(0, "127.0.0.1")
  await once(probe, "listening")
  const { port } = probe.address() as { port: number }
  probe.close()
  await once(probe, "close")
  return port
}

const configOf = (env: Record<string, string>) =>
  Effect.runSync(Effect.withConfigProvider(AppConfig, ConfigProvider.fromMap(new Map(Object.entries(env)))))

describe("/metrics placement", () => {
  it("is open on the API port by default, and behind its token when METRICS_TOKEN is set", () => {
    expect(metricsServing(configOf({})).onApiPort).toEqual({ served: true, token: undefined })
    expect(metricsServing(configOf({ METRICS_TOKEN: "0123456789abcdef" })).onApiPort).toEqual({
      served: true,
      token: "0123456789abcdef"
    })
  })

  it("with METRICS_PORT is served on that port only, with the token when set", async () => {
    const port = await freePort()
    const serving = metricsServing(configOf({ METRICS_PORT: String(port), METRICS_TOKEN: "0123456789abcdef" }))
    expect(serving.onApiPort.served).toBe(false)
    const server = serving.startSeparate({ metricsText: async () => ({ contentType: "text/plain", body: "up 1\n" }) })!
    await once(server, "listening")
    try {
      const url = `http://127.0.0.1:${port}/metrics`
      expect((await fetch(url)).status).toBe(401)
      const ok = await fetch(url, { headers: { authorization: "Bearer 0123456789abcdef" } })
      expect([ok.status, await ok.text()]).toEqual([200, "up 1\n"])
      expect(
        (await fetch(`http://127.0.0.1:${port}/other`, { headers: { authorization: "Bearer 0123456789abcdef" } }))
          .status
      ).toBe(404)
    } finally {
      server.close()
    }
  })
})
