import { Writable } from "node:stream"
import { Log } from "@kubernetes/client-node"
import { Effect, Layer } from "effect"
import { LogStream } from "../../application/ports/logStream.ts"
import type { KubeClient } from "./client.ts"
import { instanceLabel } from "./manifests.ts"

type AnyObject = Record<string, any>

const retryMs = 1_000

/**
 * Instance logs from the pod log endpoint (`follow`, `tailLines`) through client-node's `Log`:
 * the newest live pod of the instance's app, split into lines. Until a pod exists, and after a
 * followed pod goes away (restart, rollout), it looks again every second; the re-attached
 * follow starts with new lines only. Basic by design: a later issue deepens it.
 */
export const LogStreamKubernetes = (kube: KubeClient) =>
  Layer.succeed(
    LogStream,
    LogStream.of({
      follow: (namespace, name, { tailLines }, onLine) =>
        Effect.sync(() => {
          let stopped = false
          let controller: AbortController | undefined
          let timer: NodeJS.Timeout | undefined
          const later = (tail: number) => {
            if (!stopped) timer = setTimeout(() => void attach(tail), retryMs)
          }
          const attach = async (tail: number) => {
            const listed = await Effect.runPromise(Effect.either(kube.list("v1", "Pod", namespace, `${instanceLabel}=${name},app.kubernetes.io/component=app`)))
            if (stopped) return
            const pod = listed._tag === "Left" ? undefined : listed.right.items
              .filter((p: AnyObject) => !p["metadata"]["deletionTimestamp"] && p["status"]?.["phase"] === "Running")
              .sort((a: AnyObject, b: AnyObject) => String(b["metadata"]["creationTimestamp"] ?? "").localeCompare(String(a["metadata"]["creationTimestamp"] ?? "")))[0]
            if (pod === undefined) return later(tail)
            let rest = ""
            const sink = new Writable({
              write(chunk: Buffer, _encoding, done) {
                const lines = (rest + chunk.toString("utf8")).split(/\r?\n/)
                rest = lines.pop() ?? ""
                if (!stopped) for (const line of lines) onLine(line)
                done()
              }
            })
            sink.on("finish", () => later(0))
            try {
              controller = await new Log(kube.kubeConfig()).log(namespace, pod["metadata"]["name"], "app", sink, { follow: true, tailLines: tail })
              if (stopped) controller.abort()
            } catch {
              later(tail)
            }
          }
          void attach(tailLines)
          return {
            stop: () => {
              stopped = true
              clearTimeout(timer)
              controller?.abort()
            }
          }
        })
    })
  )
