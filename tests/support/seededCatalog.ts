/** The catalog migration 005 seeds (ids, monthly prices in rupiah), as the e2e tests buy from it. */
export const seededPlans = {
  n8nFree: "90000000-0000-4000-8000-000000000001", // 0
  n8nBasic: "90000000-0000-4000-8000-000000000002", // 50,000
  n8nPro: "90000000-0000-4000-8000-000000000003", // 150,000
  ghostBasic: "90000000-0000-4000-8000-000000000004", // 75,000
  wordpressBasic: "90000000-0000-4000-8000-000000000006" // 60,000
} as const

export const seededServices = {
  n8n: "50000000-0000-4000-8000-000000000001"
} as const
