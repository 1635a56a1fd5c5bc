import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import type { RecordedEvent } from "../../application/ports/eventStore.ts"
import { hashInput, verifyChain } from "../../application/shared/eventHash.ts"

const example = readFileSync(new URL("../../tools/example-ledger.ndjson", import.meta.url), "utf8")
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line) as RecordedEvent)
const spec = readFileSync(new URL("../../docs/ledger-hash-spec.md", import.meta.url), "utf8")

describe("the published hash specification", () => {
  it("its worked example is a valid chain under the code's hashing", () => {
    expect(verifyChain(example)).toBeUndefined()
  })

  it("quotes the hash input and the hashes the code computes", () => {
    expect(spec).toContain(hashInput(example[0]!))
    expect(Buffer.byteLength(hashInput(example[0]!))).toBe(421)
    for (const event of example) expect(spec).toContain(event.hash)
  })
})
