import { Writable } from "node:stream"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { effectLogging, jsonLogger, type LevelName, makeLog } from "../../infra/logging.ts"

/** A log writing into an array of parsed lines. */
const capture = (minimum: LevelName) => {
  const lines: Array<Record<string, any>> = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const l of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(l))
      done()
    }
  })
  return { log: makeLog(minimum, sink), lines }
}

describe("the log stream", () => {
  it("writes one JSON object per line with time, level, message, requestId and context, honouring the level", () => {
    const { log, lines } = capture("warning")
    const http = jsonLogger(log)
    http.info("request", { requestId: "r-1", status: 200 })
    http.warn("slow", { requestId: "r-2", durationMs: 900 })
    http.error("broken", { cause: "x" })
    expect(lines).toEqual([
      { time: expect.any(String), level: "warning", message: "slow", requestId: "r-2", context: { durationMs: 900 } },
      { time: expect.any(String), level: "error", message: "broken", requestId: null, context: { cause: "x" } }
    ])
    expect(new Date(lines[0]!["time"]).toISOString()).toBe(lines[0]!["time"])
  })

  it("carries Effect's logs with their annotations, spans and request id, filtered by level", async () => {
    const { log, lines } = capture("info")
    const program = Effect.gen(function* () {
      yield* Effect.logDebug("not shown")
      yield* Effect.logWarning("refused").pipe(Effect.annotateLogs({ orderId: "TXMP-9" }))
    }).pipe(Effect.annotateLogs({ requestId: "r-3" }), Effect.withLogSpan("webhook"))
    await Effect.runPromise(Effect.provide(program, effectLogging(log, "info")))
    expect(lines).toEqual([
      {
        time: expect.any(String),
        level: "warning",
        message: "refused",
        requestId: "r-3",
        context: { orderId: "TXMP-9", spans: ["webhook"] }
      }
    ])
  })

  it("redacts fields named like secrets, should one ever be passed", () => {
    const { log, lines } = capture("debug")
    jsonLogger(log).info("oops", {
      password: "hunter22",
      refreshToken: "rt",
      nested: { authorization: "Bearer x" },
      kept: 1
    })
    expect(lines[0]!["context"]).toEqual({
      password: "[redacted]",
      refreshToken: "[redacted]",
      nested: { authorization: "[redacted]" },
      kept: 1
    })
  })
})
