import { JSONSchema, type Schema } from "effect"
import { errorTable } from "./errors.ts"
import type { Route } from "./route.ts"

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}")

const objectProperties = (schema: Schema.Schema<any, any>) => {
  const json = JSONSchema.make(schema) as { properties?: Record<string, unknown>; required?: Array<string> }
  return { properties: json.properties ?? {}, required: new Set(json.required ?? []) }
}

const parameters = (schema: Schema.Schema<any, any> | undefined, where: "path" | "query") => {
  if (schema === undefined) return []
  const { properties, required } = objectProperties(schema)
  return Object.entries(properties).map(([name, s]) => ({
    name,
    in: where,
    required: where === "path" || required.has(name),
    schema: s
  }))
}

const envelope = {
  type: "object",
  required: ["success", "message"],
  properties: { success: { type: "boolean" }, message: { type: "string" }, data: {} }
}

const errorEnvelope = {
  type: "object",
  required: ["success", "message", "error"],
  properties: {
    success: { const: false },
    message: { type: "string" },
    error: {
      type: "object",
      required: ["code"],
      properties: { code: { enum: [...new Set(Object.values(errorTable).map((e) => e.code)), "INTERNAL"] }, details: {} }
    }
  }
}

/** OpenAPI 3.1, generated from the same Schemas that validate requests. */
export const openApiDocument = (routes: ReadonlyArray<Route<unknown>>) => {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const r of routes) {
    const path = toOpenApiPath(r.path)
    paths[path] ??= {}
    paths[path][r.method] = {
      summary: r.summary,
      tags: [r.tag],
      ...(r.access === "public" ? {} : { security: [{ bearer: [] }] }),
      parameters: [
        ...parameters(r.params, "path"),
        ...parameters(r.query, "query"),
        ...(r.idempotent ? [{ name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", maxLength: 255 } }] : [])
      ],
      ...(r.body === undefined ? {} : {
        requestBody: { required: true, content: { "application/json": { schema: JSONSchema.make(r.body) } } }
      }),
      responses: {
        "2XX": { description: "Success", content: { "application/json": { schema: envelope } } },
        default: { description: "Error", content: { "application/json": { schema: errorEnvelope } } }
      }
    }
  }
  return {
    openapi: "3.1.0",
    info: { title: "MinisPod API", version: "0.1.0" },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
    paths
  }
}
