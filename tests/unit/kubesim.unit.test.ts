import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { sameJson } from "../../adapters/kubesim/equality.ts"
import { mergePatch, serverSideApply, strategicMergePatch, withoutPath } from "../../adapters/kubesim/patch.ts"
import { parseQuantity } from "../../adapters/kubesim/quantity.ts"
import { matchesLabelSelector, parseFieldSelector, parseLabelSelector } from "../../adapters/kubesim/selectors.ts"
import { KubeError } from "../../adapters/kubesim/status.ts"

describe("label selectors", () => {
  const labels = { app: "ghost", tier: "web", "app.kubernetes.io/managed-by": "minispod" }
  it.each([
    ["app=ghost", true],
    ["app==ghost,tier=web", true],
    ["app!=ghost", false],
    ["tier in (web, db)", true],
    ["tier notin (web)", false],
    ["missing notin (x)", true],
    ["app.kubernetes.io/managed-by", true],
    ["!app", false],
    ["!missing,app in (ghost)", true],
    ["", true]
  ])("given %s, it matches: %s", (selector, expected) => {
    expect(parseLabelSelector(selector)(labels)).toBe(expected)
  })

  it("refuses an unparsable key with 400", () => {
    expect(() => parseLabelSelector("a b c")).toThrow(KubeError)
  })

  it("evaluates LabelSelector objects with matchExpressions", () => {
    expect(
      matchesLabelSelector(
        { matchLabels: { app: "ghost" }, matchExpressions: [{ key: "tier", operator: "In", values: ["web"] }] },
        labels
      )
    ).toBe(true)
    expect(matchesLabelSelector({ matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] }, labels)).toBe(false)
  })

  it("field selectors follow any field path", () => {
    const matches = parseFieldSelector("metadata.name=p1,status.phase!=Running")
    expect(matches({ metadata: { name: "p1" }, status: { phase: "Pending" } })).toBe(true)
    expect(matches({ metadata: { name: "p1" }, status: { phase: "Running" } })).toBe(false)
  })
})

describe("patches", () => {
  it("merge patch: objects merge, null deletes, arrays replace", () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: null, d: 3 }, l: [3] })).toEqual({
      a: { b: 1, d: 3 },
      l: [3]
    })
  })

  it("strategic merge patch merges containers by name and ports by containerPort", () => {
    const live = {
      containers: [
        { name: "a", image: "x", ports: [{ containerPort: 80, name: "http" }] },
        { name: "b", image: "y" }
      ]
    }
    const patched = strategicMergePatch(live, { containers: [{ name: "a", ports: [{ containerPort: 443 }] }] })
    expect(patched).toEqual({
      containers: [
        { name: "a", image: "x", ports: [{ containerPort: 80, name: "http" }, { containerPort: 443 }] },
        { name: "b", image: "y" }
      ]
    })
  })

  it("server-side apply removes what the manager stopped applying and keeps others' fields", () => {
    const live = {
      metadata: { labels: { mine: "1", theirs: "2" } },
      spec: {
        env: [
          { name: "A", value: "1" },
          { name: "B", value: "2" },
          { name: "X", value: "other" }
        ]
      }
    }
    const previous = {
      metadata: { labels: { mine: "1" } },
      spec: {
        env: [
          { name: "A", value: "1" },
          { name: "B", value: "2" }
        ]
      }
    }
    const next = { metadata: { labels: {} }, spec: { env: [{ name: "A", value: "one" }] } }
    expect(serverSideApply(live, previous, next)).toEqual({
      metadata: { labels: { theirs: "2" } },
      spec: {
        env: [
          { name: "A", value: "one" },
          { name: "X", value: "other" }
        ]
      }
    })
  })

  it("server-side apply keeps a field another manager still sets, and a forced apply takes a field from its owner", () => {
    const live = { spec: { replicas: 0, paused: false } }
    expect(
      serverSideApply(live, { spec: { replicas: 2, paused: false } }, { spec: { paused: false } }, [
        { spec: { replicas: 0 } }
      ])
    ).toEqual(live)
    expect(withoutPath({ spec: { replicas: 0 }, metadata: { labels: { a: "1" } } }, ".spec.replicas")).toEqual({
      metadata: { labels: { a: "1" } }
    })
  })

  const json = fc.dictionary(
    fc.constantFrom("a", "b", "c", "labels", "spec"),
    fc.oneof(fc.integer(), fc.string(), fc.dictionary(fc.constantFrom("x", "y"), fc.integer())),
    { maxKeys: 4 }
  )
  it("server-side apply is idempotent: applying the same configuration twice changes nothing more", () => {
    fc.assert(
      fc.property(json, json, json, (live, previous, config) => {
        const once = serverSideApply(live, previous, config)
        expect(sameJson(serverSideApply(once, config, config), once)).toBe(true)
      })
    )
  })
})

describe("quantities", () => {
  it.each([
    ["500m", 0.5],
    ["2", 2],
    ["1Gi", 2 ** 30],
    ["512Mi", 512 * 2 ** 20],
    ["1G", 1e9],
    ["250000000n", 0.25],
    ["1e3", 1000]
  ])("%s = %d", (q, n) => {
    expect(parseQuantity(q)).toBeCloseTo(n)
  })
  it("an unknown suffix is not a number", () => {
    expect(parseQuantity("3Zb")).toBeNaN()
  })
})
