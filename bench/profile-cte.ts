import { randomUUID } from "node:crypto"
import { connect } from "../adapters/postgres/client.ts"
import { benchDatabase, measure } from "./harness.ts"
const db = await benchDatabase()
const sql = connect(db.url, { max: 1 })
await sql`insert into wallet_balances (user_id, balance) values ('u1', 1000000000)`
const show = (label: string, s: { opsPerSecond: number; p50Ms: number }) => console.log(label.padEnd(34), s.opsPerSecond.toFixed(0), s.p50Ms.toFixed(3))
let pos = 0
show("update balance only (autocommit)", await measure(1, 2, () => sql`update wallet_balances set balance = balance - 1 where user_id = 'u1' returning balance`))
show("insert entry only (autocommit)", await measure(1, 2, () => sql`insert into ledger_entries (transaction_id, user_id, type, status, direction, amount, balance_before, balance_after, from_account, to_account, cause_type, cause_id, description, position, created_at) values (${randomUUID()}, 'u1', 'SUBSCRIPTION', 'COMPLETED', 'DEBIT', 1, 2, 1, 'a', 'b', 'c', 'd', 'e', ${++pos}, now())`))
show("cte (autocommit)", await measure(1, 2, () => sql`with b as (update wallet_balances set balance = balance - 1 where user_id = 'u1' returning balance)
  insert into ledger_entries (transaction_id, user_id, type, status, direction, amount, balance_before, balance_after, from_account, to_account, cause_type, cause_id, description, position, created_at)
  select ${randomUUID()}, 'u1', 'SUBSCRIPTION', 'COMPLETED', 'DEBIT', 1, b.balance + 1, b.balance, 'a', 'b', 'c', 'd', 'e', ${++pos}, now() from b`))
show("select 1", await measure(1, 2, () => sql`select 1`))
show("begin;select1;commit", await measure(1, 2, () => sql.begin(async (tx) => { await tx`select 1` })))
show("begin;select1;commit (pipelined)", await measure(1, 2, () => sql.begin((tx) => [tx`select 1`])))
await sql.end(); await db.close()
