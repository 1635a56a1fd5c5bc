import { describe, expect, it } from "vitest"
import { inspectInput, inspectQueryText, maxInputDepth } from "../../adapters/http/inputGuard.ts"
import { containsPattern } from "../../adapters/postgres/like.ts"

describe("the input guard", () => {
  it("names the field holding a NUL, a lone surrogate or an invalid key", () => {
    expect(inspectInput({ a: [{ b: "x\u0000" }] }, "body")).toEqual({
      field: "body.a.0.b",
      message: "must not contain NUL characters"
    })
    expect(inspectInput({ name: "\uDC00" }, "body")?.field).toBe("body.name")
    expect(inspectInput({ "k\u0000": 1 }, "body")?.message).toMatch(/^key /)
    expect(inspectInput({ emoji: "😀 ok", n: 1, z: null }, "body")).toBeUndefined()
  })

  it("refuses nesting past the limit without recursing (no stack overflow at 100k levels)", () => {
    let deep: unknown = "x"
    for (let i = 0; i < 100_000; i++) deep = [deep]
    expect(inspectInput({ name: deep }, "body")?.message).toMatch(/nests deeper than 32/)
    let ok: unknown = "x"
    for (let i = 0; i < maxInputDepth - 1; i++) ok = [ok]
    expect(inspectInput(ok, "body")).toBeUndefined()
  })

  it("refuses query text that is not UTF-8", () => {
    expect(inspectQueryText("q=%ED%A0%80")).toEqual({ field: "query.q", message: "is not valid UTF-8" })
    expect(inspectQueryText("q=%E2%82%AC&page=1")).toBeUndefined()
  })

  it("escapes LIKE wildcards", () => {
    expect(containsPattern("50%_off\\")).toBe("%50\\%\\_off\\\\%")
  })
})
