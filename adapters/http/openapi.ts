import { JSONSchema, type Schema, SchemaAST as AST } from "effect"
import { errorTable, internalError } from "./errors.ts"
import type { Route } from "./route.ts"

type Json = Record<string, unknown>

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}")

/** `get /api/catalog/services/:serviceSlug/plans` → `getCatalogServicesByServiceSlugPlans` (unique per method and path). */
export const operationIdOf = (method: string, path: string) =>
  method +
  path
    .replace(/^\/api/, "")
    .split(/[/-]/)
    .filter(Boolean)
    .map((part) =>
      part.startsWith(":") ? `By${part[1]!.toUpperCase()}${part.slice(2)}` : part[0]!.toUpperCase() + part.slice(1)
    )
    .join("")

const errorCodes = [...new Set([...Object.values(errorTable).map((e) => e.code), internalError.code])].sort()

const errorEnvelope = {
  type: "object",
  required: ["success", "message", "error"],
  properties: {
    success: { type: "boolean", const: false },
    message: { type: "string" },
    error: {
      type: "object",
      required: ["code"],
      properties: {
        code: { type: "string", enum: errorCodes },
        details: { description: "What went wrong: for VALIDATION_FAILED a list of {field, message}" }
      }
    }
  }
}

const errorResponse = (description: string, headers?: Json) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorEnvelope" } } }
})

const responses = {
  BadRequest: errorResponse("VALIDATION_FAILED: error.details lists each bad field"),
  Unauthorized: errorResponse("UNAUTHENTICATED: a missing, expired or revoked access token", {
    "WWW-Authenticate": { description: "Bearer", schema: { type: "string" } }
  }),
  Forbidden: errorResponse("FORBIDDEN: the caller's role may not do this"),
  NotFound: errorResponse("NOT_FOUND (also for another user's resources)"),
  Conflict: errorResponse("CONFLICT, DUPLICATE_SUBSCRIPTION, UPGRADE_REQUIRED, QUOTA_EXCEEDED or INVALID_TRANSITION"),
  PayloadTooLarge: errorResponse("The body is over BODY_LIMIT_BYTES"),
  UnsupportedMediaType: errorResponse("The body is not application/json"),
  RateLimited: errorResponse("RATE_LIMITED", {
    "Retry-After": { description: "seconds", schema: { type: "integer" } }
  }),
  Internal: errorResponse("INTERNAL (never a stack or SQL)")
}
const ref = (name: keyof typeof responses) => ({ $ref: `#/components/responses/${name}` })

/** JSON Schema of `schema`; named Schemas (an `identifier` annotation) go to components/schemas. */
const jsonSchemaOf = (
  schema: Schema.Schema<any, any>,
  definitions: Record<string, JSONSchema.JsonSchema7>,
  unknownFields: "allow" | "strict" = "allow"
) =>
  JSONSchema.fromAST(schema.ast, {
    definitions,
    definitionPath: "#/components/schemas/",
    target: "openApi3.1",
    // Clients should tolerate new response fields (`allow`); request bodies refuse unknown ones (`strict`).
    additionalPropertiesStrategy: unknownFields
  }) as unknown as Json

const objectSchema = (ast: AST.AST, definitions: Record<string, JSONSchema.JsonSchema7>) =>
  JSONSchema.fromAST(ast, {
    definitions,
    definitionPath: "#/components/schemas/",
    target: "openApi3.1",
    topLevelReferenceStrategy: "skip"
  }) as {
    properties?: Record<string, Json>
    required?: Array<string>
  }

/**
 * Path and query parameters: which are required comes from the wire side (a default makes one
 * optional); their types from the decoded side (`?page=2` is an integer, not any string).
 */
const parameters = (
  schema: Schema.Schema<any, any> | undefined,
  where: "path" | "query",
  definitions: Record<string, JSONSchema.JsonSchema7>
) => {
  if (schema === undefined) return []
  const required = new Set(objectSchema(AST.encodedAST(schema.ast), definitions).required ?? [])
  const json = objectSchema(AST.typeAST(schema.ast), definitions)
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === "path" || required.has(name),
    schema: s
  }))
}

const success = (description: string, data: Json) => ({
  description,
  content: {
    "application/json": {
      schema: {
        type: "object",
        required: ["success", "message", "data"],
        properties: { success: { type: "boolean", const: true }, message: { type: "string" }, data }
      }
    }
  }
})

const untyped = { description: "Not described yet" }

/** The errors any operation of this shape can answer, as shared responses. */
const errorResponses = (r: Route<unknown>) => ({
  ...(r.params || r.query || r.body ? { "400": ref("BadRequest") } : {}),
  ...(r.access === "public" ? {} : { "401": ref("Unauthorized") }),
  ...(r.access === "admin" ? { "403": ref("Forbidden") } : {}),
  ...(r.params ? { "404": ref("NotFound") } : {}),
  ...(r.method !== "get" ? { "409": ref("Conflict") } : {}),
  ...(r.body ? { "413": ref("PayloadTooLarge"), "415": ref("UnsupportedMediaType") } : {}),
  ...(r.path === "/api/auth/login" ? { "429": ref("RateLimited") } : {}),
  "500": ref("Internal"),
  default: {
    description: "Any other error, in the error envelope",
    content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorEnvelope" } } }
  }
})

const probeOperations = {
  "/healthz": {
    get: {
      operationId: "getHealthz",
      summary: "Liveness",
      tags: ["service"],
      responses: {
        "200": success("Alive", { type: "object", properties: { status: { type: "string", const: "ok" } } })
      }
    }
  },
  "/readyz": {
    get: {
      operationId: "getReadyz",
      summary: "Readiness: the database answers",
      tags: ["service"],
      responses: {
        "200": success("Ready", { type: "object", properties: { database: { type: "string", const: "ok" } } }),
        "503": errorResponse("Not ready (the database is unreachable)")
      }
    }
  },
  "/metrics": {
    get: {
      operationId: "getMetrics",
      summary: "Prometheus metrics",
      tags: ["service"],
      responses: {
        "200": {
          description: "Prometheus text exposition format",
          content: { "text/plain": { schema: { type: "string" } } }
        }
      }
    }
  },
  "/openapi.json": {
    get: {
      operationId: "getOpenApi",
      summary: "This document",
      tags: ["service"],
      responses: {
        "200": { description: "OpenAPI 3.1", content: { "application/json": { schema: { type: "object" } } } }
      }
    }
  },
  "/docs": {
    get: {
      operationId: "getDocs",
      summary: "This document, rendered (Swagger UI)",
      tags: ["service"],
      responses: { "200": { description: "HTML page", content: { "text/html": { schema: { type: "string" } } } } }
    }
  },
  "/ws/logs": {
    get: {
      operationId: "openLogSocket",
      summary: "WebSocket: live log lines of an instance",
      description:
        "Upgrade to a WebSocket. Offer the subprotocols `minispod.logs.v1` and `bearer.<access JWT>` " +
        "(or send `Authorization: Bearer <JWT>`); the server selects `minispod.logs.v1`. A browser's `Origin` must be " +
        "this server or one of `CORS_ORIGINS`. Each message is a JSON text frame " +
        '`{"type":"log","instanceId":"…","container":"app","line":"…","timestamp":"ISO-8601 or null"}` (the last 100 lines ' +
        'first, ANSI codes stripped, the runtime\'s timestamp apart from the text), `{"type":"attached","pod","previousPod","message"}` ' +
        'when a (replaced) pod is followed, `{"type":"dropped","count","message"}` after lines a slow client could not take. ' +
        "Close codes: 1001 server shutting down, 1011 logs unavailable, 4401 session or subscription ended, 4429 too many streams " +
        'for this user. The server pings; a socket that misses a pong is terminated. See the README\'s "WebSocket: live logs".',
      tags: ["instances"],
      parameters: [
        { name: "instanceId", in: "query", required: true, schema: { type: "string", format: "uuid" } },
        {
          name: "container",
          in: "query",
          required: false,
          schema: { type: "string", enum: ["app", "database"], default: "app" },
          description: "the app's container or its companion database's"
        }
      ],
      responses: {
        "101": { description: "Switching Protocols: log messages follow" },
        "400": errorResponse("container is not app or database, or the instance has no database"),
        "401": errorResponse("No valid access token"),
        "403": errorResponse("Origin not allowed"),
        "404": errorResponse("No such instance for this caller")
      }
    }
  }
}

const tagDescriptions: Readonly<Record<string, string>> = {
  service: "Probes, metrics and this description",
  auth: "Accounts and sessions (access JWT + rotating refresh token)",
  wallet: "Prepaid rupiah credit: balance, ledger entries, top-ups through Midtrans",
  webhooks: "Calls from Midtrans (signature verified, no bearer token)",
  catalog: "Services, plans and categories on sale",
  subscriptions: "Subscribing, upgrading, cancelling; the instance behind each subscription",
  instances: "Running apps: state, metrics, logs",
  coupons: "Coupon validation, redemption and history",
  admin: "Administrators only"
}

/** OpenAPI 3.1, generated from the route definitions: the same Schemas validate requests and describe them. */
export const openApiDocument = (routes: ReadonlyArray<Route<unknown>>) => {
  const definitions: Record<string, JSONSchema.JsonSchema7> = {}
  const paths: Record<string, Record<string, unknown>> = { ...probeOperations }
  for (const r of routes) {
    const path = toOpenApiPath(r.path)
    paths[path] = { ...paths[path] }
    paths[path][r.method] = {
      operationId: operationIdOf(r.method, r.path),
      summary: r.summary,
      tags: [r.tag],
      ...(r.deprecated ? { deprecated: true } : {}),
      ...(r.access === "public" ? { security: [] } : {}),
      parameters: [
        ...parameters(r.params, "path", definitions),
        ...parameters(r.query, "query", definitions),
        ...(r.idempotent
          ? [
              {
                name: "Idempotency-Key",
                in: "header",
                required: false,
                schema: { type: "string", maxLength: 255 },
                description:
                  "The same key and body within 24 hours replays the first response byte for byte; another body is 409"
              }
            ]
          : [])
      ],
      ...(r.body === undefined
        ? {}
        : {
            requestBody: {
              required: true,
              content: {
                "application/json": {
                  schema: jsonSchemaOf(r.body, definitions, r.acceptsUnknownFields ? "allow" : "strict")
                }
              }
            }
          }),
      responses: {
        [r.method === "post" ? "2XX" : "200"]: r.rawResponse
          ? {
              description: "Success",
              content: {
                [r.rawResponse]: {
                  schema: {
                    type: "string",
                    ...(r.rawResponse === "application/pdf" ? { contentMediaType: r.rawResponse } : {})
                  }
                }
              }
            }
          : success("Success", r.response ? jsonSchemaOf(r.response, definitions) : untyped),
        ...errorResponses(r)
      }
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "MinisPod API",
      version: "0.1.0",
      description:
        "Managed open-source apps paid from prepaid rupiah credit. Success: `{success: true, message, data}`; " +
        "error: `{success: false, message, error: {code, details}}`. Lists take `?page=&limit=` (limit ≤ 100) and answer " +
        "`{items, pagination: {page, limit, total, totalPages}}`. Requests that move money accept an `Idempotency-Key`: " +
        "the same key and body within 24 hours replays the first response byte for byte, another body is 409, and after " +
        "24 hours the key is forgotten. Bodies are `application/json` (else 415). Live logs: the `/ws/logs` operation.",
      license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" }
    },
    servers: [{ url: "/", description: "This server" }],
    security: [{ bearer: [] }],
    tags: [...new Set(["service", ...routes.map((r) => r.tag)])].map((name) => ({
      name,
      description: tagDescriptions[name] ?? `${name} operations`
    })),
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      schemas: { ErrorEnvelope: errorEnvelope, ...definitions },
      responses
    },
    paths
  }
}
