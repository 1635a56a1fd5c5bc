import { Either, Schema } from "effect"
import { FieldInvalid } from "../shared/errors.ts"

/**
 * How a catalog service runs: the app container (image, port and env live on the service row:
 * dockerImage, defaultPort, envTemplate) and optionally a companion database, each with its
 * volume, probe and security context. Env values may hold placeholders `{{name}}`, rendered per
 * instance; generated ones (secrets) are crypto-random per instance and live only in the
 * instance's Secret.
 */
const Probe = Schema.Struct({
  kind: Schema.Literal("http", "tcp", "exec"),
  path: Schema.optional(
    Schema.String.pipe(Schema.pattern(/^\/\S{0,200}$/, { message: () => "must be an absolute path" }))
  ),
  command: Schema.optional(
    Schema.Array(Schema.String.pipe(Schema.maxLength(200))).pipe(Schema.minItems(1), Schema.maxItems(10))
  ),
  initialDelaySeconds: Schema.optional(Schema.Int.pipe(Schema.between(0, 600)))
}).pipe(
  Schema.filter((p) =>
    p.kind === "http" && p.path === undefined
      ? { path: ["path"], message: "an http probe needs a path" }
      : p.kind === "exec" && p.command === undefined
        ? { path: ["command"], message: "an exec probe needs a command" }
        : true
  )
)

const Capability = Schema.String.pipe(
  Schema.pattern(/^[A-Z_]{2,32}$/, { message: () => "must be a Linux capability name such as CHOWN" })
)

const SecurityContext = Schema.Struct({
  runAsUser: Schema.optional(Schema.Int.pipe(Schema.between(0, 2_147_483_647))),
  fsGroup: Schema.optional(Schema.Int.pipe(Schema.between(0, 2_147_483_647))),
  /** Capabilities added back after dropping ALL (entrypoints that start as root and switch user need a few). */
  addCapabilities: Schema.optional(Schema.Array(Capability).pipe(Schema.maxItems(20)))
})

const Volume = Schema.Struct({
  mountPath: Schema.String.pipe(Schema.pattern(/^\/\S{0,200}$/, { message: () => "must be an absolute path" })),
  /** A sub-folder of the volume (databases refuse a data directory holding lost+found). */
  subPath: Schema.optional(
    Schema.String.pipe(Schema.pattern(/^[a-z0-9._-]{1,63}$/, { message: () => "must be a folder name" }))
  )
})

const EnvMap = Schema.Record({ key: Schema.String, value: Schema.String.pipe(Schema.maxLength(2000)) }).pipe(
  Schema.filter((env) => {
    const bad = Object.keys(env).find((k) => !/^[A-Za-z_][A-Za-z0-9_.]{0,127}$/.test(k))
    return bad === undefined || { path: [bad], message: "must be an environment variable name" }
  })
)

export const ServiceTemplate = Schema.Struct({
  app: Schema.Struct({
    volume: Volume,
    probe: Probe,
    securityContext: SecurityContext,
    /** Served over HTTP through the ingress (a database is not). */
    http: Schema.Boolean,
    /** The app's administration page under its public URL ("/wp-admin"), if it has one. */
    adminPath: Schema.optional(
      Schema.String.pipe(Schema.pattern(/^\/\S{0,100}$/, { message: () => "must be an absolute path" }))
    )
  }),
  database: Schema.optional(
    Schema.Struct({
      image: Schema.String.pipe(
        Schema.pattern(/^[a-z0-9][a-z0-9._\-/:@]{0,254}$/i, { message: () => "must be a container image reference" })
      ),
      port: Schema.Int.pipe(Schema.between(1, 65_535)),
      env: EnvMap,
      volume: Volume,
      probe: Probe,
      securityContext: SecurityContext,
      cpuMilli: Schema.Int.pipe(Schema.between(50, 16_000)),
      memoryMb: Schema.Int.pipe(Schema.between(64, 65_536)),
      storageGb: Schema.Int.pipe(Schema.between(1, 1000))
    })
  ),
  /** What the owner sees at GET /api/instances/:id/credentials: generated variable → label. */
  credentials: Schema.Record({ key: Schema.String, value: Schema.String.pipe(Schema.maxLength(200)) })
})
export type ServiceTemplate = typeof ServiceTemplate.Type

/** Generated per instance, crypto-random; the only secret values. */
export const generatedVariables = ["secret", "db_password", "db_root_password"] as const
export type GeneratedVariable = (typeof generatedVariables)[number]

/** Known per instance from its identity (no secret). */
const contextVariables = ["domain", "url", "instance_name", "db_host", "db_port"] as const
const databaseVariables = new Set(["db_host", "db_port"])

export type RenderContext = Readonly<Record<(typeof contextVariables)[number], string>>

const placeholder = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g

export const placeholdersOf = (value: string): ReadonlyArray<string> =>
  [...value.matchAll(placeholder)].map((m) => m[1]!)

/**
 * Every placeholder of the app's env and the database's env must be known; `db_host`/`db_port`
 * need a database component; a credential must name a generated variable. Names the field.
 */
export const checkTemplate = (
  envTemplate: Readonly<Record<string, string>>,
  template: ServiceTemplate
): Either.Either<void, FieldInvalid> => {
  const known = (name: string) =>
    (generatedVariables as ReadonlyArray<string>).includes(name) ||
    ((contextVariables as ReadonlyArray<string>).includes(name) &&
      (template.database !== undefined || !databaseVariables.has(name)))
  const envs: Array<[string, Readonly<Record<string, string>>]> = [
    ["envTemplate", envTemplate],
    ["template.database.env", template.database?.env ?? {}]
  ]
  for (const [field, env] of envs) {
    for (const [key, value] of Object.entries(env)) {
      const unknown = placeholdersOf(value).find((p) => !known(p))
      if (unknown !== undefined) {
        return Either.left(
          new FieldInvalid({
            field: `${field}.${key}`,
            problem: databaseVariables.has(unknown)
              ? `{{${unknown}}} needs a database component (template.database)`
              : `unknown placeholder {{${unknown}}}; known: ${[...generatedVariables, ...contextVariables].map((v) => `{{${v}}}`).join(", ")}`
          })
        )
      }
    }
  }
  const badCredential = Object.keys(template.credentials).find(
    (k) => !(generatedVariables as ReadonlyArray<string>).includes(k)
  )
  if (badCredential !== undefined) {
    return Either.left(
      new FieldInvalid({
        field: `template.credentials.${badCredential}`,
        problem: `must be one of ${generatedVariables.join(", ")}`
      })
    )
  }
  return Either.void
}

/** The generated variables an instance of this service needs (referenced or shown as credentials). */
export const neededSecrets = (
  envTemplate: Readonly<Record<string, string>>,
  template: ServiceTemplate
): ReadonlyArray<GeneratedVariable> => {
  const used = new Set([
    ...Object.values(envTemplate).flatMap(placeholdersOf),
    ...Object.values(template.database?.env ?? {}).flatMap(placeholdersOf),
    ...Object.keys(template.credentials)
  ])
  return generatedVariables.filter((v) => used.has(v))
}

/** Fills the placeholders found in `values`; unknown ones stay (checkTemplate refuses them at write). */
export const render = (
  env: Readonly<Record<string, string>>,
  values: Readonly<Record<string, string>>
): Record<string, string> =>
  Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, v.replace(placeholder, (whole, name: string) => values[name] ?? whole)])
  )

/** A service without a stored template: the app alone, probed on its port. */
export const defaultTemplate: ServiceTemplate = {
  app: { volume: { mountPath: "/data" }, probe: { kind: "tcp" }, securityContext: {}, http: true },
  credentials: {}
}

export const decodeTemplate = Schema.decodeUnknownEither(ServiceTemplate)
