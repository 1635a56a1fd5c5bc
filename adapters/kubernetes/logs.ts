import { Writable } from "node:stream"
import { Log } from "@kubernetes/client-node"
import { Effect, Layer } from "effect"
import { ClusterUnavailable } from "../../application/ports/cluster.ts"
import { LogStream } from "../../application/ports/logStream.ts"
import type { KubeClient } from "./client.ts"
import { instanceLabel } from "./manifests.ts"

type AnyObject = Record<string, any>

/**
 * Instance logs from the pod log endpoint (`follow`, `tailLines`) through client-node's `Log`:
 * the newest live pod of the instance's app, split into lines. Basic: a pod replaced later is
 * not followed (the client reconnects).
 */
export const LogStreamKubernetes = (kube: KubeClient) =>
  Layer.succeed(
    LogStream,
    LogStream.of({
      follow: (namespace, name, { tailLines }, onLine) =>
        Effect.gen(function*() {
          const { items } = yield* kube.list("v1", "Pod", namespace, `${instanceLabel}=${name},app.kubernetes.io/component=app`)
          const pod = items
            .filter((p: AnyObject) => !p["metadata"]["deletionTimestamp"])
            .sort((a: AnyObject, b: AnyObject) => String(b["metadata"]["creationTimestamp"] ?? "").localeCompare(String(a["metadata"]["creationTimestamp"] ?? "")))[0]
          if (pod === undefined) return { stop: () => {} }
          let rest = ""
          const sink = new Writable({
            write(chunk: Buffer, _encoding, done) {
              const lines = (rest + chunk.toString("utf8")).split(/\r?\n/)
              rest = lines.pop() ?? ""
              for (const line of lines) onLine(line)
              done()
            }
          })
          const controller = yield* Effect.tryPromise({
            try: () => new Log(kube.kubeConfig()).log(namespace, pod["metadata"]["name"], "app", sink, { follow: true, tailLines }),
            catch: (error) => new ClusterUnavailable({ operation: "follow logs", reason: String((error as Error)?.message ?? error).slice(0, 200) })
          })
          return { stop: () => controller.abort() }
        })
    })
  )
