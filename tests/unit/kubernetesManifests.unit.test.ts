import { execFile } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { beforeAll, describe, expect, it } from "vitest"
import { parseAllDocuments } from "yaml"
import { checkConfiguration } from "../support/configCheck.ts"

const exec = promisify(execFile)
const dir = resolve(import.meta.dirname, "../../infra/kubernetes")

type AnyObject = Record<string, any>

/** What `kubectl apply -k` sends: the kustomizations rendered offline by kubectl's own kustomize. */
const render = async (path: string) =>
  parseAllDocuments((await exec("kubectl", ["kustomize", path])).stdout).map((d) => d.toJS() as AnyObject)

/** Checks an object against the upstream OpenAPI schema of its kind (kubernetes-models). */
const validate = async (object: AnyObject) => {
  const [group, version] = String(object["apiVersion"]).includes("/")
    ? String(object["apiVersion"]).split("/")
    : ["", object["apiVersion"]]
  const module = (await import(`kubernetes-models/${group ? `${group}/` : ""}${version}/${object["kind"]}`)) as Record<
    string,
    new (o: AnyObject) => { validate(): void }
  >
  new module[object["kind"]]!(object).validate()
}

const manifestFiles = (path: string): Array<string> =>
  readdirSync(path, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? manifestFiles(join(path, e.name))
      : e.name.endsWith(".yaml") && e.name !== "kustomization.yaml"
        ? [join(path, e.name)]
        : []
  )

let objects: Array<AnyObject>
const one = (kind: string, component?: string) => {
  const found = objects.filter(
    (o) =>
      o["kind"] === kind &&
      (component === undefined || o["metadata"]["labels"]?.["app.kubernetes.io/component"] === component)
  )
  expect(found, kind).toHaveLength(1)
  return found[0]!
}

beforeAll(async () => {
  objects = [...(await render(dir)), ...(await render(join(dir, "migrate")))]
})

describe("infra/kubernetes", () => {
  it("every manifest file is part of a kustomization, and every object is valid against the Kubernetes schemas", async () => {
    const inFiles = manifestFiles(dir).flatMap((f) =>
      parseAllDocuments(readFileSync(f, "utf8")).map((d) => d.toJS() as AnyObject)
    )
    expect(objects.map((o) => `${o["kind"]}/${o["metadata"]["name"]}`).sort()).toEqual(
      inFiles.map((o) => `${o["kind"]}/${o["metadata"]["name"]}`).sort()
    )
    for (const object of objects)
      await expect(validate(object), `${object["kind"]}/${object["metadata"]["name"]}`).resolves.toBeUndefined()
    // The validator is not a formality: a wrong type and a missing required field are refused.
    const deployment = one("Deployment")
    await expect(validate({ ...deployment, spec: { ...deployment["spec"], replicas: "two" } })).rejects.toThrow(
      /replicas must be integer/
    )
    await expect(validate({ ...deployment, spec: { ...deployment["spec"], template: { spec: {} } } })).rejects.toThrow(
      /containers/
    )
  })

  it("the API Deployment: ≥ 2 replicas, readiness /readyz, liveness /healthz, graceful termination, non-root", () => {
    const deployment = one("Deployment")
    const pod = deployment["spec"]["template"]["spec"]
    const [api] = pod["containers"] as Array<AnyObject>
    expect(deployment["spec"]["replicas"]).toBeGreaterThanOrEqual(2)
    expect(deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"]).toBe(0)
    const port = api!["ports"][0]
    expect(api!["readinessProbe"]["httpGet"]).toEqual({ path: "/readyz", port: port["name"] })
    expect(api!["livenessProbe"]["httpGet"]).toEqual({ path: "/healthz", port: port["name"] })
    expect(api!["image"]).toMatch(/^ghcr\.io\/minispod\/minispod:/) // the kustomization's image
    // The delay while readiness is 503, then the server's 30 s drain, must fit in the grace period.
    const config = one("ConfigMap")["data"]
    expect(pod["terminationGracePeriodSeconds"]).toBeGreaterThan(Number(config["SHUTDOWN_DELAY_MS"]) / 1000 + 30)
    expect(Number(config["SHUTDOWN_DELAY_MS"])).toBeGreaterThan(0)
    expect(config["NODE_ENV"]).toBe("production")
    expect(config["CLUSTER_MODE"]).toBe("kubernetes")
    expect(config["MIDTRANS_MODE"]).not.toBe("simulator")
    expect(Number(config["PORT"])).toBe(port["containerPort"])
    const metrics = (api!["ports"] as Array<AnyObject>).find((p) => p["name"] === "metrics")
    expect(Number(config["METRICS_PORT"])).toBe(metrics?.["containerPort"])
    expect(Number(deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"])).toBe(
      metrics?.["containerPort"]
    )
  })

  it("every pod runs as non-root without privilege escalation or capabilities", () => {
    const pods = objects
      .filter((o) => ["Deployment", "Job"].includes(o["kind"]))
      .map((o) => o["spec"]["template"]["spec"])
    expect(pods).toHaveLength(2)
    for (const pod of pods) {
      expect(pod["securityContext"]).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } })
      expect(pod["securityContext"]["runAsUser"]).toBeGreaterThan(0)
      for (const container of pod["containers"]) {
        expect(container["securityContext"]).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] }
        })
      }
    }
  })

  it("the migration Job runs the compiled migrate command with the API's configuration and secrets", () => {
    const job = one("Job")
    const [migrate] = job["spec"]["template"]["spec"]["containers"]
    const [api] = one("Deployment")["spec"]["template"]["spec"]["containers"]
    expect(migrate["command"]).toEqual(["node", "--enable-source-maps", "dist/infra/main/migrate.js"])
    expect(migrate["image"]).toBe(api["image"])
    expect(migrate["env"]).toEqual(api["env"])
    expect(migrate["envFrom"]).toEqual(api["envFrom"])
    expect(job["spec"]["template"]["spec"]["restartPolicy"]).toBe("Never")
  })

  it("secrets come from Secret references only (DATABASE_URL, JWT_SECRET, MIDTRANS_*), never as values", () => {
    const [api] = one("Deployment")["spec"]["template"]["spec"]["containers"]
    const fromSecrets = new Map(
      (api["env"] as Array<AnyObject>)
        .filter((e) => e["valueFrom"]?.["secretKeyRef"])
        .map((e) => [e["name"], e["valueFrom"]["secretKeyRef"]])
    )
    for (const name of ["DATABASE_URL", "JWT_SECRET", "ADMIN_PASSWORD", "MIDTRANS_SERVER_KEY", "MIDTRANS_CLIENT_KEY"]) {
      expect(fromSecrets.get(name), name).toEqual({ name: "minispod-secrets", key: name })
    }
    const plain = [
      ...(api["env"] as Array<AnyObject>).filter((e) => "value" in e).map((e) => e["name"]),
      ...Object.keys(one("ConfigMap")["data"])
    ]
    for (const name of plain) expect(name).not.toMatch(/DATABASE_URL|SECRET|PASSWORD|KEY|TOKEN/)
    expect(objects.filter((o) => o["kind"] === "Secret")).toEqual([])
  })

  it("the pods' configuration (ConfigMap + the Secret's keys) passes the server's own start-up check", async () => {
    const [api] = one("Deployment")["spec"]["template"]["spec"]["containers"]
    const secretKeys = (api["env"] as Array<AnyObject>)
      .filter((e) => e["valueFrom"]?.["secretKeyRef"])
      .map((e) => e["name"] as string)
    const secrets: Record<string, string> = {
      DATABASE_URL: "postgres://minispod:db-password@postgres.example:5432/minispod",
      JWT_SECRET: "k8s-jwt-secret-k8s-jwt-secret-k8s-jwt-secret",
      ADMIN_PASSWORD: "Violet-Harbour-Quartz-71",
      MIDTRANS_SERVER_KEY: "SB-Mid-server-k8s-test",
      MIDTRANS_CLIENT_KEY: "SB-Mid-client-k8s-test"
    }
    expect(Object.keys(secrets).sort()).toEqual([...secretKeys].sort())
    // Kubernetes sets KUBERNETES_SERVICE_HOST in every pod: the adapter uses the service account.
    const podEnv = { ...one("ConfigMap")["data"], ...secrets, KUBERNETES_SERVICE_HOST: "10.96.0.1" }
    expect(await checkConfiguration(podEnv)).toEqual({ accepted: true, errors: "" })
    const { MIDTRANS_SERVER_KEY: _, ...withoutKey } = podEnv
    const refused = await checkConfiguration(withoutKey)
    expect(refused.accepted).toBe(false)
    expect(refused.errors).toMatch(/MIDTRANS_SERVER_KEY/)
  })

  it("Service, Ingress and PodDisruptionBudget select the API pods; the service account is bound to the role", () => {
    const deployment = one("Deployment")
    const podLabels = deployment["spec"]["template"]["metadata"]["labels"]
    const service = one("Service")
    expect(podLabels).toMatchObject(service["spec"]["selector"])
    expect(service["spec"]["ports"][0]["targetPort"]).toBe(
      deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["name"]
    )
    const pdb = one("PodDisruptionBudget")
    expect(podLabels).toMatchObject(pdb["spec"]["selector"]["matchLabels"])
    expect(pdb["spec"]["minAvailable"]).toBeLessThan(deployment["spec"]["replicas"])
    const ingress = one("Ingress")
    const backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    expect(backend).toEqual({ name: service["metadata"]["name"], port: { name: service["spec"]["ports"][0]["name"] } })
    expect(ingress["spec"]["tls"][0]["hosts"]).toEqual([ingress["spec"]["rules"][0]["host"]])
    expect(new URL(one("ConfigMap")["data"]["PUBLIC_BASE_URL"]).host).toBe(ingress["spec"]["rules"][0]["host"])

    const account = one("ServiceAccount")
    expect(deployment["spec"]["template"]["spec"]["serviceAccountName"]).toBe(account["metadata"]["name"])
    const binding = one("ClusterRoleBinding")
    expect(binding["roleRef"]).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: one("ClusterRole")["metadata"]["name"]
    })
    expect(binding["subjects"]).toEqual([
      { kind: "ServiceAccount", name: account["metadata"]["name"], namespace: account["metadata"]["namespace"] }
    ])
    // The API's own objects must never look like a tenant instance to the adapter's listings.
    for (const o of objects)
      expect(o["metadata"]["labels"]?.["app.kubernetes.io/managed-by"], o["kind"]).not.toBe("minispod")
  })
})
