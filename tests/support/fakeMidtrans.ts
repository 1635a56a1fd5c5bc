import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly authorization: string | undefined
  readonly overrideNotification: string | undefined
  readonly body: any
}

export type FakeBehaviour = { kind: "ok" } | { kind: "status"; status: number; body: unknown } | { kind: "hang" }

/**
 * A fake Midtrans (Snap + Core API) over HTTP for the real midtrans-client: records requests,
 * answers like Midtrans, and can be told to fail or hang.
 */
export const startFakeMidtrans = async () => {
  const requests: Array<RecordedRequest> = []
  const transactions = new Map<string, Record<string, unknown>>()
  let behaviour: FakeBehaviour = { kind: "ok" }
  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let data = ""
      req.on("data", (c: Buffer) => (data += c.toString()))
      req.on("end", () => resolve(data))
    })
  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req)
    const path = (req.url ?? "").split("?")[0]!
    requests.push({
      method: req.method ?? "",
      path,
      authorization: req.headers.authorization,
      overrideNotification: req.headers["x-override-notification"] as string | undefined,
      body: raw ? JSON.parse(raw) : undefined
    })
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" })
      res.end(JSON.stringify(body))
    }
    if (behaviour.kind === "hang") return // never answers: the client's timeout must fire
    if (behaviour.kind === "status") return send(behaviour.status, behaviour.body)
    if (req.method === "POST" && path === "/snap/v1/transactions") {
      const body = JSON.parse(raw) as { transaction_details: { order_id: string; gross_amount: number } }
      transactions.set(body.transaction_details.order_id, {
        order_id: body.transaction_details.order_id,
        gross_amount: `${body.transaction_details.gross_amount}.00`,
        transaction_status: "pending",
        status_code: "201"
      })
      return send(201, {
        token: `token-${body.transaction_details.order_id}`,
        redirect_url: `https://fake/pay/${body.transaction_details.order_id}`
      })
    }
    const status = /^\/v2\/([^/]+)\/status$/.exec(path)
    if (req.method === "GET" && status) {
      const t = transactions.get(decodeURIComponent(status[1]!))
      return t
        ? send(200, { status_message: "Success", ...t })
        : send(404, { status_code: "404", status_message: "Transaction doesn't exist." })
    }
    const cancel = /^\/v2\/([^/]+)\/cancel$/.exec(path)
    if (req.method === "POST" && cancel) {
      const t = transactions.get(decodeURIComponent(cancel[1]!))
      if (!t) return send(404, { status_code: "404", status_message: "Transaction doesn't exist." })
      t["transaction_status"] = "cancel"
      return send(200, { ...t, status_code: "200" })
    }
    send(404, { status_code: "404" })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    transactions,
    behave: (b: FakeBehaviour) => {
      behaviour = b
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
