import { execFile, spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "../support/database.ts"
import { type StartedServer, startServer } from "../support/server.ts"

const exec = promisify(execFile)

let db: TestDatabase
let server: StartedServer
let dir: string
let kubeconfig: string

const manifest = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: blog
  namespace: shop
  labels: {app.kubernetes.io/name: ghost}
spec:
  replicas: 2
  selector:
    matchLabels: {app: blog}
  template:
    metadata:
      labels: {app: blog}
    spec:
      containers:
      - name: ghost
        image: ghost:5
        ports: [{containerPort: 2368}]
        resources:
          limits: {cpu: 500m, memory: 512Mi}
---
apiVersion: v1
kind: Service
metadata:
  name: blog
  namespace: shop
spec:
  selector: {app: blog}
  ports: [{port: 80, targetPort: 2368}]
`

/** The real kubectl against the started server, with its own discovery cache. */
const kubectl = async (...args: Array<string>) =>
  (
    await exec("kubectl", ["--kubeconfig", kubeconfig, ...args], {
      env: { PATH: process.env["PATH"], HOME: dir, KUBECACHEDIR: join(dir, "cache") },
      timeout: 30_000
    })
  ).stdout

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false })
  dir = await mkdtemp(join(tmpdir(), "minispod-kubectl-"))
  server = await startServer({
    DATABASE_URL: db.url,
    SIM_CLUSTER_READY_MS: "300",
    SIM_KUBECONFIG_PATH: join(dir, "kubeconfig.yaml")
  })
  kubeconfig = join(dir, "kubeconfig.yaml")
})

afterAll(async () => {
  await server?.stop()
  await db?.drop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe("kubectl v1.32 against the Kubernetes API simulator of a started server", () => {
  it("writes the kubeconfig named at start; apply --server-side, wait, get -A, describe, logs, delete work; SIGTERM ends open watches", async () => {
    expect(server.output()).toContain(`kubeconfig written to ${kubeconfig}`)
    expect(await readFile(kubeconfig, "utf8")).toBe(await (await fetch(`${server.baseUrl}/dev/kube-config`)).text())
    await writeFile(join(dir, "blog.yaml"), manifest)

    expect(await kubectl("apply", "--server-side", "-f", join(dir, "blog.yaml"))).toMatch(
      /deployment\.apps\/blog serverside-applied/
    )
    // Applying again converges (no AlreadyExists).
    expect(await kubectl("apply", "--server-side", "-f", join(dir, "blog.yaml"))).toMatch(
      /service\/blog serverside-applied/
    )
    expect(
      await kubectl("wait", "--for=condition=Available", "deployment/blog", "-n", "shop", "--timeout=20s")
    ).toMatch(/condition met/)

    const pods = await kubectl("get", "pods", "-A")
    expect(pods).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/)
    expect(pods.split("\n").filter((l) => /^shop\s+blog-\w+-\w+\s+1\/1\s+Running/.test(l))).toHaveLength(2)

    const described = await kubectl("describe", "deployment", "blog", "-n", "shop")
    expect(described).toMatch(/Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable/)
    expect(described).toMatch(/Available\s+True\s+MinimumReplicasAvailable/)

    const pod = (
      await kubectl("get", "pods", "-n", "shop", "-l", "app=blog", "-o", "jsonpath={.items[0].metadata.name}")
    ).trim()
    const logs = await kubectl("logs", "-n", "shop", pod, "--tail=2")
    expect(logs.trim().split("\n")).toHaveLength(2)
    // The log protocol as kubectl speaks it: container, timestamps, since-time, follow.
    const stamped = (await kubectl("logs", "-n", "shop", pod, "-c", "ghost", "--timestamps", "--tail=2"))
      .trim()
      .split("\n")
    expect(stamped).toHaveLength(2)
    for (const line of stamped) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \S/)
    const since = (
      await kubectl("logs", "-n", "shop", pod, "--timestamps", `--since-time=${stamped[1]!.slice(0, 19)}Z`)
    )
      .trim()
      .split("\n")
    expect(since.length).toBeGreaterThanOrEqual(1)
    expect(since.every((l) => l.slice(0, 19) >= stamped[1]!.slice(0, 19))).toBe(true)
    const follower = spawn("kubectl", ["--kubeconfig", kubeconfig, "logs", "-f", "--tail=1", "-n", "shop", pod], {
      env: { PATH: process.env["PATH"], HOME: dir, KUBECACHEDIR: join(dir, "cache") }
    })
    const followed = await new Promise<Array<string>>((resolve) => {
      let text = ""
      follower.stdout.on("data", (c: Buffer) => {
        text += c.toString()
        if (text.split("\n").length > 2) resolve(text.split("\n").slice(0, 2)) // the tail line, then a live one
      })
    })
    follower.kill()
    expect(followed.every((l) => l.length > 0)).toBe(true)

    // kubectl drain: cordon, then evictions (policy/v1); the Deployment's pods come back on the other node.
    const node = (await kubectl("get", "pod", "-n", "shop", pod, "-o", "jsonpath={.spec.nodeName}")).trim()
    expect(await kubectl("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=30s")).toMatch(
      new RegExp(`node/${node} drained`)
    )
    expect(
      await kubectl("wait", "--for=condition=Available", "deployment/blog", "-n", "shop", "--timeout=20s")
    ).toMatch(/condition met/)
    expect(
      (await kubectl("get", "pods", "-n", "shop", "-l", "app=blog", "-o", "jsonpath={.items[*].spec.nodeName}"))
        .trim()
        .split(" ")
    ).not.toContain(node)
    expect(await kubectl("get", "nodes")).toMatch(new RegExp(`${node}\\s+Ready,SchedulingDisabled`))
    expect(await kubectl("uncordon", node)).toMatch(/uncordoned/)

    // An open watch must not hold the server's shutdown.
    const watcher = spawn("kubectl", ["--kubeconfig", kubeconfig, "get", "pods", "-A", "--watch"], {
      env: { PATH: process.env["PATH"], HOME: dir, KUBECACHEDIR: join(dir, "cache") }
    })
    let watched = ""
    watcher.stdout.on("data", (c: Buffer) => (watched += c.toString()))
    const watcherExit = once(watcher, "exit")
    // kubectl get --watch asks for Tables: the two listed pods, then their deletion events, all rows with the same columns.
    const rows = () =>
      watched.split("\n").filter((l) => /^shop\s+blog-\w+-\w+\s+1\/1\s+Running\s+0\s+\S+$/.test(l)).length
    // The deletions must come after the watch's first list (a slow kubectl start would list nothing).
    await expect.poll(rows, { timeout: 30_000, interval: 100 }).toBe(2)

    expect(await kubectl("delete", "deployment", "blog", "-n", "shop")).toMatch(/deployment\.apps "blog" deleted/)
    expect(await kubectl("get", "pods", "-n", "shop", "-o", "name")).toBe("")
    expect(await kubectl("delete", "namespace", "shop")).toMatch(/namespace "shop" deleted/)
    await expect(kubectl("get", "service", "blog", "-n", "shop")).rejects.toThrow(/NotFound|not found/)

    await expect.poll(rows, { timeout: 30_000, interval: 100 }).toBe(4)
    expect(await server.stop()).toBe(0)
    await watcherExit
  })
})
