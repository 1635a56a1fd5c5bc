import { randomUUID } from "node:crypto"
import type { ComponentSpec, InstanceSpec } from "../../application/ports/cluster.ts"

const app: ComponentSpec = {
  role: "app",
  image: "ghost:5-alpine",
  port: 2368,
  env: { url: "https://blog.apps.test", database__connection__password: "{{db_password}}", KEY: "{{secret}}" },
  cpuMilli: 500,
  memoryMb: 512,
  storageGb: 5,
  volume: { mountPath: "/var/lib/ghost/content" },
  probe: { kind: "http", path: "/" },
  securityContext: { runAsUser: 1000, fsGroup: 1000 }
}
const database: ComponentSpec = {
  role: "database",
  image: "mysql:8.0",
  port: 3306,
  env: { MYSQL_PASSWORD: "{{db_password}}", MYSQL_ROOT_PASSWORD: "{{db_root_password}}" },
  cpuMilli: 500,
  memoryMb: 512,
  storageGb: 5,
  volume: { mountPath: "/var/lib/mysql", subPath: "mysql" },
  probe: { kind: "tcp" },
  securityContext: { runAsUser: 999, fsGroup: 999 }
}

/** Object mother: an instance with an app and a companion database in its user's namespace. */
export const instanceSpec = (
  overrides: { name?: string; userId?: string; withDatabase?: boolean; storageGb?: number; cpuMilli?: number } = {}
): InstanceSpec => {
  const id = randomUUID()
  const userId = overrides.userId ?? randomUUID()
  const name = `${overrides.name ?? "blog"}-${id.slice(0, 8)}`
  const withDb = overrides.withDatabase ?? true
  return {
    instanceId: id,
    subscriptionId: id,
    serviceSlug: "ghost",
    namespace: `user-${userId}`,
    name,
    host: `${name}.apps.test`,
    app: { ...app, storageGb: overrides.storageGb ?? app.storageGb, cpuMilli: overrides.cpuMilli ?? app.cpuMilli },
    database: withDb ? database : undefined,
    secrets: withDb ? ["secret", "db_password", "db_root_password"] : ["secret"],
    tenant: { userId, cpuMilli: 4000, memoryMb: 4096, storageGb: 100, containers: 4 }
  }
}
