import { mkdtemp, readFile, rm, stat, writeFile, chmod } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ConfigProvider, Effect, Either } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { persistedJwtSecret } from "../../infra/jwtSecretFile.ts"
import { parseSeedDuration, tokenLifetime } from "../../infra/seedDurations.ts"

const lifetime = (env: Record<string, string>) =>
  Effect.runSync(
    Effect.either(
      Effect.withConfigProvider(
        tokenLifetime("ACCESS_TOKEN_TTL_SECONDS", "JWT_EXPIRES_IN", 900),
        ConfigProvider.fromJson(env)
      )
    )
  )

describe("the seeds' token lifetimes (JWT_EXPIRES_IN, JWT_REFRESH_EXPIRES_IN)", () => {
  it("reads jsonwebtoken-style durations with a unit", () => {
    expect([
      parseSeedDuration("30s"),
      parseSeedDuration("15m"),
      parseSeedDuration("24h"),
      parseSeedDuration("7d"),
      parseSeedDuration("2w")
    ]).toEqual([30, 900, 86_400, 604_800, 1_209_600])
    for (const bad of ["900", "15", "0m", "-5m", "1.5h", "7 days", "", "15M"])
      expect(parseSeedDuration(bad), bad).toBeUndefined()
  })

  it("uses ours, else the seeds' name, else the default; both set must agree; a bad value names the variable", () => {
    expect(lifetime({})).toEqual(Either.right(900))
    expect(lifetime({ JWT_EXPIRES_IN: "24h" })).toEqual(Either.right(86_400))
    expect(lifetime({ ACCESS_TOKEN_TTL_SECONDS: "60" })).toEqual(Either.right(60))
    expect(lifetime({ ACCESS_TOKEN_TTL_SECONDS: "60", JWT_EXPIRES_IN: "1m" })).toEqual(Either.right(60))
    expect(String(Either.getLeft(lifetime({ ACCESS_TOKEN_TTL_SECONDS: "60", JWT_EXPIRES_IN: "2m" })))).toMatch(
      /both set and disagree/
    )
    expect(String(Either.getLeft(lifetime({ JWT_EXPIRES_IN: "900" })))).toMatch(/JWT_EXPIRES_IN[\s\S]*with a unit/)
  })
})

describe("the zero-setup JWT secret kept beside the embedded data", () => {
  const dirs: Array<string> = []
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))
  const tempFile = async () => {
    const dir = await mkdtemp(join(tmpdir(), "minispod-jwt-"))
    dirs.push(dir)
    return join(dir, "postgres.jwt-secret")
  }

  it("is created once with mode 600 and reused", async () => {
    const file = await tempFile()
    const first = await persistedJwtSecret(file)
    expect(first.created).toBe(true)
    expect(first.secret.length).toBeGreaterThanOrEqual(32)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(await persistedJwtSecret(file)).toEqual({ secret: first.secret, created: false })
  })

  it("tightens a looser mode and refuses a file without a usable secret", async () => {
    const file = await tempFile()
    await writeFile(file, `${"s".repeat(40)}\n`)
    await chmod(file, 0o644)
    expect((await persistedJwtSecret(file)).secret).toBe("s".repeat(40))
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    await writeFile(file, "short")
    await expect(persistedJwtSecret(file)).rejects.toThrow(/no usable JWT secret/)
    expect(await readFile(file, "utf8")).toBe("short") // never overwritten: that would log everybody out
  })
})
