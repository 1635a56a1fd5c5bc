import { defineConfig } from "vitest/config"

/**
 * The tests Stryker mutates domain/ against: the unit and property tests of the domain itself (no
 * database, server or external tool). Left out: tests of adapters, infra and tooling (they cover
 * no domain code), and the property tests that drive application use cases over in-memory
 * adapters (ledger, payments, renewals): they load most of the application for every mutant,
 * which made a run hours long on 2 cores; the decider tests cover the same rules directly, and
 * those properties still run in `npm test`. Property runs are fewer than in `npm test` too.
 */
export default defineConfig({
  test: {
    include: ["tests/unit/**/*.unit.test.ts", "tests/prop/**/*.prop.test.ts"],
    exclude: [
      "tests/unit/containerImage.unit.test.ts",
      "tests/unit/invoiceConfig.unit.test.ts",
      "tests/unit/hashSpec.unit.test.ts",
      "tests/unit/kubernetesManifests.unit.test.ts",
      "tests/unit/kubesim.unit.test.ts",
      "tests/unit/metrics.unit.test.ts",
      "tests/unit/openapi.unit.test.ts",
      "tests/unit/passwordHasher.unit.test.ts",
      "tests/unit/productionSafety.unit.test.ts",
      "tests/unit/seedConfig.unit.test.ts",
      "tests/unit/renewalAudit.unit.test.ts",
      "tests/prop/canonicalJson.prop.test.ts",
      "tests/prop/groupCommit.prop.test.ts",
      "tests/prop/hashChain.prop.test.ts",
      "tests/prop/ledger.prop.test.ts",
      "tests/prop/payments.prop.test.ts",
      "tests/prop/renewals.prop.test.ts"
    ],
    env: { PROPERTY_RUNS: "20" },
    deps: { optimizer: { ssr: { enabled: true, include: ["effect", "fast-check"] } } },
    pool: "forks",
    testTimeout: 60_000
  }
})
