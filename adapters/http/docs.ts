import { readFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import Router from "@koa/router"

// Swagger UI from the npm package, served by us: the page works offline and loads nothing from a CDN.
const swaggerDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"))
const assets: Readonly<Record<string, string>> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png"
}

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>MinisPod API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`
const init = `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, persistAuthorization: false });\n`

/** GET /docs: the OpenAPI document rendered by Swagger UI. */
export const makeDocsRouter = () => {
  const router = new Router()
  router.get("/docs", (ctx) => {
    ctx.type = "text/html; charset=utf-8"
    ctx.body = page
  })
  router.get("/docs/init.js", (ctx) => {
    ctx.type = "text/javascript; charset=utf-8"
    ctx.body = init
  })
  router.get("/docs/:asset", async (ctx, next) => {
    const type = assets[ctx.params["asset"]!]
    if (type === undefined) return next()
    ctx.type = type
    ctx.set("Cache-Control", "public, max-age=86400")
    ctx.body = await readFile(join(swaggerDir, ctx.params["asset"]!))
  })
  return router
}
