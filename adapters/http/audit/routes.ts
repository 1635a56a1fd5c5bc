import { Effect } from "effect"
import { auditLedger } from "../../../application/audit/ledgerAudit.ts"
import { EventStore } from "../../../application/ports/eventStore.ts"
import { LedgerSnapshots } from "../../../application/ports/ledgerSnapshot.ts"
import { ok, route } from "../route.ts"
import { AuditReport } from "../responses.ts"
import { AuditEventsQuery, AuditLedgerQuery } from "./schemas.ts"

const ndjson = "application/x-ndjson"

export const auditRoutes = [
  route({
    method: "get",
    path: "/api/admin/audit/ledger",
    summary:
      "Replay summary from one snapshot: verdict, first problems with their events, events/streams/accounts by kind (accounts=true adds every balance)",
    tag: "admin",
    access: "admin",
    response: AuditReport,
    query: AuditLedgerQuery,
    handle: ({ query }) =>
      Effect.map(auditLedger(), ({ report, accounts }) =>
        ok(
          report.ok ? "Audit clean" : "Audit found problems",
          query.accounts === "true" ? { ...report, accounts } : report
        )
      )
  }),
  route({
    method: "get",
    path: "/api/admin/audit/events",
    summary:
      "NDJSON export of the event log from one snapshot (X-Ledger-Position, X-Events-Total/-Sent, X-Next-After when a limit cuts it); tail=true: commit-safe order for a consumer that follows the log",
    tag: "admin",
    access: "admin",
    rawResponse: ndjson,
    query: AuditEventsQuery,
    handle: ({ query }) =>
      Effect.gen(function* () {
        if (query.tail === "true") {
          const store = yield* EventStore
          const limit = query.limit ?? 1_000
          const events =
            query.stream === undefined
              ? yield* store.readAll(query.after, limit)
              : (yield* store.readStream(query.stream)).events.filter((e) => e.position > query.after).slice(0, limit)
          const last = events[events.length - 1]
          return {
            message: "Events",
            data: null,
            raw: {
              contentType: ndjson,
              headers: { "X-Next-After": String(last?.position ?? query.after) },
              body: events.map((e) => `${JSON.stringify(e)}\n`).join("")
            }
          }
        }
        const exported = yield* (yield* LedgerSnapshots).exportEvents(
          { afterPosition: query.after, streamId: query.stream },
          query.limit
        )
        const headers: Record<string, string> = {
          "X-Ledger-Position": String(exported.at.position),
          "X-Ledger-Snapshot": exported.at.snapshot,
          "X-Events-Total": String(exported.total),
          "X-Events-Sent": String(exported.sent),
          "X-Truncated": String(exported.sent < exported.total)
        }
        if (exported.nextAfter !== undefined) headers["X-Next-After"] = String(exported.nextAfter)
        return { message: "Events", data: null, raw: { contentType: ndjson, headers, body: exported.lines } }
      })
  })
]
