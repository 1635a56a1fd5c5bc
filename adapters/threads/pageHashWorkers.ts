import { extname } from "node:path"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import { Effect, Layer } from "effect"
import { PageHashes } from "../../application/ports/pageHashes.ts"

type Reply =
  { readonly id: number; readonly mismatches: ReadonlyArray<number> } | { readonly id: number; readonly error: string }

interface Pending {
  readonly resolve: (mismatches: ReadonlyArray<number>) => void
  readonly reject: (error: Error) => void
}

/** The worker's module beside this one: .js when built; .ts when run from source, loaded through tsx's API (a thread does not inherit the loader). */
const workerUrl = new URL(`./pageHashWorker${extname(fileURLToPath(import.meta.url))}`, import.meta.url)
const startWorker = () =>
  workerUrl.pathname.endsWith(".ts")
    ? new Worker(
        `import("tsx/esm/api").then(({ tsImport }) => tsImport(${JSON.stringify(workerUrl.href)}, ${JSON.stringify(import.meta.url)}))`,
        { eval: true }
      )
    : new Worker(workerUrl)

/**
 * PageHashes on up to `threads` worker threads, started on the first page (a process that never
 * audits a large log never starts one) and stopped with the layer. Pages go to the threads in
 * turn. A thread is referenced only while it owes an answer, so an idle pool never keeps a process
 * alive; a thread that fails or exits fails every page still owed and every later one.
 */
export const PageHashWorkers = (threads: number) =>
  Layer.scoped(
    PageHashes,
    Effect.gen(function* () {
      const workers: Array<{ readonly worker: Worker; readonly pending: Map<number, Pending> }> = []
      let failed: Error | undefined
      let sent = 0
      const fail = (error: Error) => {
        failed ??= error
        for (const { worker, pending } of workers) {
          for (const waiting of pending.values()) waiting.reject(error)
          pending.clear()
          worker.unref()
        }
      }
      const spawn = () => {
        const worker = startWorker()
        const pending = new Map<number, Pending>()
        worker.on("message", (reply: Reply) => {
          const waiting = pending.get(reply.id)
          pending.delete(reply.id)
          if (pending.size === 0) worker.unref()
          if ("error" in reply) waiting?.reject(new Error(`page hashing failed: ${reply.error}`))
          else waiting?.resolve(reply.mismatches)
        })
        worker.on("error", fail)
        worker.on("exit", (code) => fail(new Error(`a page hashing thread exited (code ${code})`)))
        return { worker, pending }
      }
      yield* Effect.addFinalizer(() =>
        Effect.promise(() => {
          failed ??= new Error("the page hashing threads are stopped")
          return Promise.all(workers.map(({ worker }) => worker.terminate()))
        })
      )
      return PageHashes.of({
        mismatches: (json) =>
          new Promise((resolve, reject) => {
            if (failed !== undefined) return reject(failed)
            const id = sent++
            if (workers.length < threads) workers.push(spawn())
            const { worker, pending } = workers[id % threads]!
            pending.set(id, { resolve, reject })
            worker.ref()
            worker.postMessage({ id, json })
          })
      })
    })
  )
