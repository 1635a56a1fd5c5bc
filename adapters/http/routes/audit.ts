import { Effect } from "effect"
import { auditLedger } from "../../../application/audit/ledgerAudit.ts"
import { EventStore } from "../../../application/ports/eventStore.ts"
import { ok, route } from "../route.ts"
import { AuditReport } from "../responses.ts"
import { AuditEventsQuery } from "../schemas.ts"

export const auditRoutes = [
  route({
    method: "get",
    path: "/api/admin/audit/ledger",
    summary: "Replay report: balances and payments recomputed from events vs read models, hash chains, account sums",
    tag: "admin",
    access: "admin", response: AuditReport,
    handle: () => Effect.map(auditLedger(), (report) => ok(report.ok ? "Audit clean" : "Audit found problems", report))
  }),
  route({
    method: "get",
    path: "/api/admin/audit/events",
    summary: "NDJSON export of the event log (commit-safe order), optionally one stream, after a position",
    tag: "admin",
    access: "admin",
    rawResponse: "application/x-ndjson",
    query: AuditEventsQuery,
    handle: ({ query }) =>
      Effect.gen(function*() {
        const store = yield* EventStore
        const events = query.stream === undefined
          ? yield* store.readAll(query.after, query.limit)
          : (yield* store.readStream(query.stream)).events.filter((e) => e.position > query.after).slice(0, query.limit)
        return {
          message: "Events",
          data: null,
          raw: { contentType: "application/x-ndjson", body: events.map((e) => JSON.stringify(e)).join("\n") + (events.length ? "\n" : "") }
        }
      })
  })
]
