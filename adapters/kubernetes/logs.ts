import { Writable } from "node:stream"
import { Log } from "@kubernetes/client-node"
import { Effect, Layer } from "effect"
import { type LogEvent, LogStream } from "../../application/ports/logStream.ts"
import type { KubeClient } from "./client.ts"
import { componentLabel, instanceLabel } from "./manifests.ts"

type AnyObject = Record<string, any>

const retryMs = 1_000
/** A replacement pod's log is read from its start, up to this many lines. */
const replacementTail = 1_000

/** `2026-11-22T08:00:00.5Z text` (kubelet's RFC3339Nano prefix, `timestamps=true`) → both parts. */
const parseLine = (
  raw: string
): { readonly text: string; readonly timestamp: string | null; readonly nanos: string | null } => {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z (.*)$/s.exec(raw)
  if (match === null) return { text: raw, timestamp: null, nanos: null }
  const fraction = (match[2] ?? "").padEnd(9, "0")
  return { text: match[3]!, timestamp: `${match[1]}.${fraction.slice(0, 3)}Z`, nanos: `${match[1]}.${fraction}` }
}

/**
 * Instance logs from the pod log endpoint (`follow`, `tailLines`, `timestamps`, `container`)
 * through client-node's `Log`: the newest running pod of the chosen component, split into lines.
 * Until a pod exists, and whenever the followed stream ends, it looks again every second. On the
 * same pod it resumes after the last line seen (`sinceTime`, duplicates skipped); on another pod
 * it says so (`Attached` with the previous pod) and reads the new pod's log from its start.
 */
export const LogStreamKubernetes = (kube: KubeClient) =>
  Layer.succeed(
    LogStream,
    LogStream.of({
      follow: (namespace, name, { tailLines, container }, onEvent) =>
        Effect.sync(() => {
          let stopped = false
          let controller: AbortController | undefined
          let timer: NodeJS.Timeout | undefined
          let followed: string | null = null
          let lastSeen: string | null = null
          const emit = (event: LogEvent) => stopped || onEvent(event)
          const later = () => {
            clearTimeout(timer)
            if (!stopped) timer = setTimeout(() => void attach(), retryMs)
          }
          const attach = async () => {
            const listed = await Effect.runPromise(
              Effect.either(
                kube.list("v1", "Pod", namespace, `${instanceLabel}=${name},${componentLabel}=${container}`)
              )
            )
            if (stopped) return
            const pod =
              listed._tag === "Left"
                ? undefined
                : listed.right.items
                    .filter(
                      (p: AnyObject) => !p["metadata"]["deletionTimestamp"] && p["status"]?.["phase"] === "Running"
                    )
                    .sort((a: AnyObject, b: AnyObject) =>
                      String(b["metadata"]["creationTimestamp"] ?? "").localeCompare(
                        String(a["metadata"]["creationTimestamp"] ?? "")
                      )
                    )[0]
            if (pod === undefined) return later()
            const podName: string = pod["metadata"]["name"]
            const resuming = podName === followed && lastSeen !== null
            const skipUpTo = resuming ? lastSeen : null
            // Said once, before the pod's first line (which may arrive before `log` resolves).
            let announced = false
            const announce = () => {
              if (announced) return
              announced = true
              if (podName === followed) return
              emit({ _tag: "Attached", pod: podName, previous: followed })
              followed = podName
              lastSeen = null
            }
            let rest = ""
            const sink = new Writable({
              write(chunk: Buffer, _encoding, done) {
                announce()
                const lines = (rest + chunk.toString("utf8")).split(/\r?\n/)
                rest = lines.pop() ?? ""
                for (const raw of lines) {
                  const line = parseLine(raw)
                  if (line.nanos !== null) {
                    if (skipUpTo !== null && line.nanos <= skipUpTo) continue
                    lastSeen = line.nanos
                  }
                  emit({ _tag: "Line", text: line.text, timestamp: line.timestamp })
                }
                done()
              }
            })
            sink.on("finish", later)
            sink.on("error", later)
            try {
              const options = resuming
                ? { follow: true, timestamps: true, sinceTime: `${lastSeen!.slice(0, 19)}Z` }
                : { follow: true, timestamps: true, tailLines: followed === null ? tailLines : replacementTail }
              controller = await new Log(kube.kubeConfig()).log(namespace, podName, container, sink, options)
              if (stopped) return controller.abort()
              announce()
            } catch {
              later()
            }
          }
          void attach()
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
