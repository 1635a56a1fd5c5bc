import type { ComponentSpec, InstanceSpec, ProbeSpec, TenantBudget } from "../../application/ports/cluster.ts"

/** What the operator configures about the target cluster. */
export interface ClusterSettings {
  readonly ingressClass: string
  /** cert-manager ClusterIssuer named on every Ingress (one TLS Secret per host); none: TLS Secrets provided otherwise. */
  readonly tlsIssuer: string | undefined
  readonly storageClass: string | undefined
  readonly imagePullSecret: string | undefined
  /** Where the ingress controller runs: the only namespace allowed to reach tenant apps. */
  readonly ingressNamespace: string
}

export type KubeObject = {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: {
    readonly name: string
    readonly namespace?: string
    readonly labels?: Record<string, string>
    readonly annotations?: Record<string, string>
  }
} & Record<string, unknown>

export const managedBy = { "app.kubernetes.io/managed-by": "minispod" } as const
export const instanceLabel = "app.kubernetes.io/instance"
export const instanceIdLabel = "minispod.io/instance-id"
export const userLabel = "minispod.io/user-id"
export const componentLabel = "app.kubernetes.io/component"

export const databaseName = (name: string) => `${name}-db`
export const volumeName = (name: string) => `${name}-data`
/** Secret keys: the generated variables, and each container's env. */
export const credentialKey = (variable: string) => `credential.${variable}`
const envKey = (role: ComponentSpec["role"], key: string) => `${role === "app" ? "app" : "db"}.${key}`

export const labelsOf = (spec: InstanceSpec): Record<string, string> => ({
  "app.kubernetes.io/name": spec.serviceSlug,
  [instanceLabel]: spec.name,
  ...managedBy,
  [userLabel]: spec.tenant.userId,
  [instanceIdLabel]: spec.instanceId,
  "minispod.io/subscription-id": spec.subscriptionId
})

const quantity = {
  cpu: (milli: number) => `${milli}m`,
  memory: (mb: number) => `${mb}Mi`,
  storage: (gb: number) => `${gb}Gi`
}

/** Storage sizes parsed back from a PVC ("10Gi", "1024Mi", "5G"), in GiB. */
export const storageGbOf = (value: string | undefined): number => {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(value ?? "")
  if (!m) return 0
  const factor: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12
  }
  return (Number(m[1]) * (m[2] ? factor[m[2]]! : 1)) / 2 ** 30
}

/** The namespace of a tenant and its guard rails: default-deny ingress, quota and limit range from its plans. */
export const tenantObjects = (
  namespace: string,
  tenant: TenantBudget,
  settings: ClusterSettings
): Array<KubeObject> => {
  const labels = { ...managedBy, [userLabel]: tenant.userId }
  return [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: namespace, labels: { ...labels, "pod-security.kubernetes.io/enforce": "baseline" } }
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "default-deny-ingress", namespace, labels },
      spec: { podSelector: {}, policyTypes: ["Ingress"] }
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "allow-from-ingress-controller", namespace, labels },
      spec: {
        podSelector: { matchLabels: { [componentLabel]: "app" } },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": settings.ingressNamespace } } }]
          }
        ]
      }
    },
    {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: "tenant-quota", namespace, labels },
      spec: {
        hard: {
          "requests.cpu": quantity.cpu(tenant.cpuMilli),
          "limits.cpu": quantity.cpu(tenant.cpuMilli),
          "requests.memory": quantity.memory(tenant.memoryMb),
          "limits.memory": quantity.memory(tenant.memoryMb),
          "requests.storage": quantity.storage(tenant.storageGb),
          persistentvolumeclaims: String(tenant.containers),
          pods: String(tenant.containers + 1),
          "services.loadbalancers": "0",
          "services.nodeports": "0"
        }
      }
    },
    {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: { name: "tenant-limits", namespace, labels },
      spec: {
        limits: [
          {
            type: "Container",
            default: { cpu: "250m", memory: "256Mi" },
            defaultRequest: { cpu: "100m", memory: "128Mi" },
            max: { cpu: quantity.cpu(tenant.cpuMilli), memory: quantity.memory(tenant.memoryMb) }
          },
          { type: "PersistentVolumeClaim", max: { storage: quantity.storage(tenant.storageGb) } }
        ]
      }
    }
  ]
}

const probeOf = (probe: ProbeSpec, port: number) => {
  const action =
    probe.kind === "http"
      ? { httpGet: { path: probe.path, port } }
      : probe.kind === "tcp"
        ? { tcpSocket: { port } }
        : { exec: { command: [...probe.command] } }
  return {
    ...action,
    initialDelaySeconds: probe.initialDelaySeconds ?? 5,
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold: 3
  }
}

const componentObjects = (
  spec: InstanceSpec,
  c: ComponentSpec,
  storageGb: number,
  settings: ClusterSettings
): Array<KubeObject> => {
  const name = c.role === "app" ? spec.name : databaseName(spec.name)
  const labels = { ...labelsOf(spec), [componentLabel]: c.role }
  const selector = { [instanceLabel]: spec.name, [componentLabel]: c.role }
  const metadata = { name, namespace: spec.namespace, labels }
  const dropAll = {
    drop: ["ALL"],
    ...(c.securityContext.addCapabilities?.length ? { add: [...c.securityContext.addCapabilities] } : {})
  }
  return [
    {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { ...metadata, name: volumeName(name) },
      spec: {
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: quantity.storage(storageGb) } },
        ...(settings.storageClass ? { storageClassName: settings.storageClass } : {})
      }
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata,
      spec: {
        // No `replicas`: it is owned through the scale subresource, so a re-apply never restarts a stopped instance.
        strategy: { type: "Recreate" }, // the volume is ReadWriteOnce
        revisionHistoryLimit: 2,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: {
              seccompProfile: { type: "RuntimeDefault" },
              ...(c.securityContext.runAsUser === undefined
                ? {}
                : {
                    runAsUser: c.securityContext.runAsUser,
                    runAsGroup: c.securityContext.runAsUser,
                    runAsNonRoot: c.securityContext.runAsUser > 0
                  }),
              ...(c.securityContext.fsGroup === undefined ? {} : { fsGroup: c.securityContext.fsGroup })
            },
            ...(settings.imagePullSecret ? { imagePullSecrets: [{ name: settings.imagePullSecret }] } : {}),
            containers: [
              {
                name: c.role,
                image: c.image,
                ports: [{ name: c.role === "app" ? "http" : "db", containerPort: c.port }],
                env: Object.keys(c.env)
                  .sort()
                  .map((key) => ({
                    name: key,
                    valueFrom: { secretKeyRef: { name: spec.name, key: envKey(c.role, key) } }
                  })),
                resources: {
                  requests: {
                    cpu: quantity.cpu(Math.max(10, Math.floor(c.cpuMilli / 2))),
                    memory: quantity.memory(c.memoryMb)
                  },
                  limits: { cpu: quantity.cpu(c.cpuMilli), memory: quantity.memory(c.memoryMb) }
                },
                readinessProbe: probeOf(c.probe, c.port),
                livenessProbe: {
                  ...probeOf(c.probe, c.port),
                  initialDelaySeconds: Math.max(30, c.probe.initialDelaySeconds ?? 0),
                  failureThreshold: 6
                },
                securityContext: { allowPrivilegeEscalation: false, capabilities: dropAll },
                volumeMounts: [
                  {
                    name: "data",
                    mountPath: c.volume.mountPath,
                    ...(c.volume.subPath ? { subPath: c.volume.subPath } : {})
                  }
                ]
              }
            ],
            volumes: [{ name: "data", persistentVolumeClaim: { claimName: volumeName(name) } }]
          }
        }
      }
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata,
      spec: {
        type: "ClusterIP",
        selector,
        ports: [{ name: c.role === "app" ? "http" : "db", port: c.port, targetPort: c.port, protocol: "TCP" }]
      }
    }
  ]
}

/**
 * Every object of one instance but its Secret, in apply order; `storage`: the PVC sizes to ask
 * for (never below the current ones).
 */
export const instanceObjects = (
  spec: InstanceSpec,
  storage: { readonly app: number; readonly database: number },
  settings: ClusterSettings
): Array<KubeObject> => {
  const labels = labelsOf(spec)
  const objects: Array<KubeObject> = componentObjects(spec, spec.app, storage.app, settings)
  if (spec.database) {
    objects.push(...componentObjects(spec, spec.database, storage.database, settings), {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: databaseName(spec.name), namespace: spec.namespace, labels },
      spec: {
        podSelector: { matchLabels: { [instanceLabel]: spec.name, [componentLabel]: "database" } },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [{ podSelector: { matchLabels: { [instanceLabel]: spec.name, [componentLabel]: "app" } } }],
            ports: [{ protocol: "TCP", port: spec.database.port }]
          }
        ]
      }
    })
  }
  if (spec.host !== undefined) {
    objects.push({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: {
        name: spec.name,
        namespace: spec.namespace,
        labels,
        ...(settings.tlsIssuer ? { annotations: { "cert-manager.io/cluster-issuer": settings.tlsIssuer } } : {})
      },
      spec: {
        ingressClassName: settings.ingressClass,
        tls: [{ hosts: [spec.host], secretName: `${spec.name}-tls` }],
        rules: [
          {
            host: spec.host,
            http: {
              paths: [
                {
                  path: "/",
                  pathType: "Prefix",
                  backend: { service: { name: spec.name, port: { number: spec.app.port } } }
                }
              ]
            }
          }
        ]
      }
    })
  }
  return objects
}

/** The Secret's content: generated variables, then each container's env with them filled in. */
export const secretDataOf = (
  spec: InstanceSpec,
  generated: Readonly<Record<string, string>>,
  fill: (env: Readonly<Record<string, string>>, values: Readonly<Record<string, string>>) => Record<string, string>
): Record<string, string> => {
  const data: Record<string, string> = {}
  for (const [k, v] of Object.entries(generated)) data[credentialKey(k)] = v
  for (const c of [spec.app, ...(spec.database ? [spec.database] : [])]) {
    for (const [k, v] of Object.entries(fill(c.env, generated))) data[envKey(c.role, k)] = v
  }
  return data
}

/** Kinds of an instance's objects, removed in this order (workloads first). */
export const instanceKinds = [
  { apiVersion: "networking.k8s.io/v1", kind: "Ingress" },
  { apiVersion: "apps/v1", kind: "Deployment" },
  { apiVersion: "v1", kind: "Service" },
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" },
  { apiVersion: "v1", kind: "Secret" },
  { apiVersion: "v1", kind: "PersistentVolumeClaim" }
] as const
