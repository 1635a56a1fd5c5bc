import { request } from "node:http"
import type { ApiResponse } from "./server.ts"

/**
 * A JSON client whose requests leave from a chosen loopback address (127.x.y.z), so per-address
 * throttles can be tested without a proxy.
 */
export const fromAddress =
  (baseUrl: string, localAddress: string) => (method: string, path: string, body?: unknown, token?: string) =>
    new Promise<ApiResponse>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body)
      const req = request(
        new URL(path, baseUrl),
        {
          method,
          localAddress,
          headers: {
            ...(payload === undefined
              ? {}
              : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
            ...(token === undefined ? {} : { authorization: `Bearer ${token}` })
          }
        },
        (res) => {
          let text = ""
          res.on("data", (chunk: Buffer) => (text += chunk.toString()))
          res.on("end", () => {
            const headers = new Headers()
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers.set(k, v)
            let parsed: unknown = text
            try {
              parsed = JSON.parse(text)
            } catch {
              // not JSON
            }
            resolve({ status: res.statusCode ?? 0, headers, body: parsed })
          })
        }
      )
      req.on("error", reject)
      req.end(payload)
    })
