// A front end's use of the client generated from /openapi.json (openapi-typescript + openapi-fetch).
// Type-checked by tests/unit/openapi.unit.test.ts against a freshly generated ./generated/api.ts:
// if the document stops describing these operations, their bodies or their data, this stops compiling.
import createClient from "openapi-fetch"
import type { paths } from "./generated/api.ts"

export const minispod = (baseUrl: string, accessToken: string) => {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${accessToken}` } })
  return {
    balance: async (): Promise<number> => {
      const { data, error } = await client.GET("/api/wallet/info")
      if (error) throw new Error(error.error.code)
      return data.data.balance
    },
    topUp: async (amount: number, idempotencyKey: string): Promise<string> => {
      const { data, error } = await client.POST("/api/wallet/topup", {
        body: { amount, paymentMethod: "QRIS" },
        params: { header: { "Idempotency-Key": idempotencyKey } }
      })
      if (error) throw new Error(error.error.code)
      return data.data.redirectUrl
    },
    cheapestPlan: async (serviceSlug: string) => {
      const { data } = await client.GET("/api/catalog/services/{serviceSlug}/plans", {
        params: { path: { serviceSlug }, query: { page: 1, limit: 100 } }
      })
      const plans = data?.data.items ?? []
      const prices: Array<number> = plans.map((p) => p.monthlyPrice)
      return { total: data?.data.pagination.total, lowest: Math.min(...prices) }
    },
    invoiceTotals: async () => {
      const { data, error } = await client.GET("/api/wallet/invoices", {
        params: { query: { page: 1, limit: 100, type: "INVOICE" } }
      })
      if (error) throw new Error(error.error.code)
      return data.data.items.map((d): [string, number, ReadonlyArray<number>] => [
        d.number,
        d.total,
        d.lines.map((l) => l.amount)
      ])
    },
    invoicePdfLink: async (number: string): Promise<string> => {
      const { data, error } = await client.GET("/api/wallet/invoices/{number}", { params: { path: { number } } })
      if (error) throw new Error(error.error.code)
      return data.data.pdfUrl
    },
    wrongBody: () =>
      // @ts-expect-error the amount is an integer, not a string: the generated types must say so
      client.POST("/api/wallet/topup", { body: { amount: "50000", paymentMethod: "QRIS" } })
  }
}
