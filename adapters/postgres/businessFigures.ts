import type { Sql } from "./client.ts"

export interface BusinessFigures {
  readonly instancesByStatus: ReadonlyArray<{ readonly status: string; readonly n: number }>
  readonly subscriptionsByStatus: ReadonlyArray<{ readonly status: string; readonly n: number }>
  readonly instancesByHealth: ReadonlyArray<{ readonly status: string; readonly n: number }>
  readonly paymentsByStatus: ReadonlyArray<{ readonly status: string; readonly n: number }>
  readonly wallets: { readonly balance: number; readonly toppedUp: number; readonly spent: number }
}

/** What an operator's dashboard shows of the business, from the read models (a handful of small aggregates per scrape). */
export const businessFigures = async (sql: Sql): Promise<BusinessFigures> => {
  const [instancesByStatus, subscriptionsByStatus, instancesByHealth, paymentsByStatus, [wallets]] = await Promise.all([
    sql<
      Array<{ status: string; n: number }>
    >`select instance_status as status, count(*)::int as n from subscriptions group by instance_status`,
    sql<Array<{ status: string; n: number }>>`select status, count(*)::int as n from subscriptions group by status`,
    sql<
      Array<{ status: string; n: number }>
    >`select o.health_status as status, count(*)::int as n from instance_ops o join subscriptions s on s.id = o.subscription_id
      where o.health_status is not null and s.status = 'ACTIVE' group by o.health_status`,
    sql<Array<{ status: string; n: number }>>`select status, count(*)::int as n from payments group by status`,
    sql<Array<{ balance: number; topped_up: number; spent: number }>>`
      select coalesce(sum(balance), 0)::float8 as balance, coalesce(sum(total_top_up), 0)::float8 as topped_up, coalesce(sum(total_spent), 0)::float8 as spent from wallet_balances`
  ])
  return {
    instancesByStatus,
    subscriptionsByStatus,
    instancesByHealth,
    paymentsByStatus,
    wallets: { balance: wallets!.balance, toppedUp: wallets!.topped_up, spent: wallets!.spent }
  }
}
