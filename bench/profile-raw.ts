import { connect } from "../adapters/postgres/client.ts"
import { benchDatabase, measure } from "./harness.ts"
const db = await benchDatabase()
const sql = connect(db.url, { max: 16 })
const wallets = Array.from({ length: 1000 }, (_, i) => `wallet-${i}`)
await sql`insert into streams ${sql(wallets.map((w) => ({ stream_id: w, version: 1, last_hash: "x" })))}`
const w = () => wallets[Math.floor(Math.random() * 1000)]!
const show = (label: string, s: { opsPerSecond: number; p50Ms: number }) => console.log(label.padEnd(30), s.opsPerSecond.toFixed(0), s.p50Ms.toFixed(2))
show("begin+lock+commit", await measure(16, 2, () => sql.begin(async (tx) => { await tx`select * from streams where stream_id = any(${[w()]}) for update` })))
show("begin+lock(eq)+commit", await measure(16, 2, () => sql.begin(async (tx) => { await tx`select * from streams where stream_id = ${w()} for update` })))
show("begin+lock+load pipelined", await measure(16, 2, () => sql.begin(async (tx) => { const s = [w()]; await Promise.all([tx`select * from streams where stream_id = any(${s}) for update`, tx`select * from events where stream_id = any(${s})`]) })))
show("select 1 no tx", await measure(16, 2, () => sql`select 1`))
show("begin+select1+commit", await measure(16, 2, () => sql.begin(async (tx) => { await tx`select 1` })))
await sql.end(); await db.close()
