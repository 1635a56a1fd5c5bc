import postgres from "postgres"
const sql = postgres("postgres://postgres@127.0.0.1:1/x", { max: 4, connect_timeout: 2, backoff: () => 0.1 })
for (const n of [8, 32]) {
const t = Date.now()
await Promise.allSettled(Array.from({length: n}, () => sql`select 1`)).then(r => console.log(n, "parallel", Date.now()-t, r[n-1].reason?.code))
}
await sql.end()
// blackhole (unroutable) to test connect timeout
const sql2 = postgres("postgres://postgres@10.255.255.1:5432/x", { max: 2, connect_timeout: 2, backoff: () => 0.1 })
const t = Date.now()
await Promise.allSettled(Array.from({length: 4}, () => sql2`select 1`)).then(r => console.log("blackhole", Date.now()-t, r[3].reason?.code))
await sql2.end({timeout: 0})
