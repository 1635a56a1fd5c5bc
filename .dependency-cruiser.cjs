/** The hexagon's dependency rule: domain ← application ← adapters ← infra (type-only imports count). */
module.exports = {
  forbidden: [
    {
      name: "domain-is-pure",
      comment: "domain/ imports only effect and other domain code",
      severity: "error",
      from: { path: "^domain/" },
      to: { pathNot: ["^domain/", "^node_modules/effect/"] }
    },
    {
      name: "application-inward-only",
      comment: "application/ never imports adapters/ or infra/",
      severity: "error",
      from: { path: "^application/" },
      to: { path: ["^adapters/", "^infra/"] }
    },
    {
      name: "adapters-not-infra",
      comment: "adapters/ never imports infra/ (the composition root)",
      severity: "error",
      from: { path: "^adapters/" },
      to: { path: "^infra/" }
    },
    {
      name: "no-tests-in-production",
      severity: "error",
      from: { path: "^(domain|application|adapters|infra)/" },
      to: { path: "^tests/" }
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      from: {},
      to: { couldNotResolve: true }
    }
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".mjs", ".cjs", ".d.ts"]
    }
  }
}
