import { parentPort } from "node:worker_threads"
import { hashMismatches } from "../../application/shared/eventHash.ts"
import { eventsOfPage } from "../../application/shared/eventPage.ts"

/** A page-hashing thread (pageHashWorkers.ts): parses each page it is sent and answers its hash mismatches. */
parentPort!.on("message", ({ id, json }: { id: number; json: string }) => {
  try {
    parentPort!.postMessage({ id, mismatches: hashMismatches(eventsOfPage(json)) })
  } catch (error) {
    parentPort!.postMessage({ id, error: error instanceof Error ? error.message : String(error) })
  }
})
