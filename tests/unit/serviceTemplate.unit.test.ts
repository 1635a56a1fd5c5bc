import { Either } from "effect"
import { describe, expect, it } from "vitest"
import {
  checkTemplate,
  defaultTemplate,
  neededSecrets,
  render,
  type ServiceTemplate
} from "../../application/catalog/serviceTemplate.ts"

const withDatabase: ServiceTemplate = {
  ...defaultTemplate,
  database: {
    image: "mariadb:11.4",
    port: 3306,
    env: { MARIADB_PASSWORD: "{{db_password}}", MARIADB_ROOT_PASSWORD: "{{db_root_password}}" },
    volume: { mountPath: "/var/lib/mysql", subPath: "mysql" },
    probe: { kind: "tcp" },
    securityContext: {},
    cpuMilli: 250,
    memoryMb: 256,
    storageGb: 1
  },
  credentials: { db_password: "database password" }
}

describe("service templates", () => {
  it("render every known placeholder and leave the others for the cluster (generated secrets)", () => {
    expect(
      render(
        { URL: "{{url}}/x", HOST: "{{ db_host }}:{{db_port}}", KEY: "{{secret}}" },
        { url: "https://a.b", db_host: "db", db_port: "3306" }
      )
    ).toEqual({ URL: "https://a.b/x", HOST: "db:3306", KEY: "{{secret}}" })
  })

  it("refuse an unknown placeholder, naming the field", () => {
    const refused = checkTemplate({ GOOD: "{{domain}}", BAD: "{{passwrod}}" }, defaultTemplate)
    expect(Either.isLeft(refused) && refused.left).toMatchObject({ _tag: "FieldInvalid", field: "envTemplate.BAD" })
    const inDatabase = checkTemplate(
      {},
      { ...withDatabase, database: { ...withDatabase.database!, env: { X: "{{nope}}" } } }
    )
    expect(Either.isLeft(inDatabase) && inDatabase.left).toMatchObject({ field: "template.database.env.X" })
  })

  it("refuse {{db_host}} without a database component, and credentials that are not generated", () => {
    const noDb = checkTemplate({ DB: "{{db_host}}" }, defaultTemplate)
    expect(Either.isLeft(noDb) && noDb.left).toMatchObject({
      field: "envTemplate.DB",
      problem: expect.stringContaining("database")
    })
    expect(Either.isRight(checkTemplate({ DB: "{{db_host}}" }, withDatabase))).toBe(true)
    const badCredential = checkTemplate({}, { ...defaultTemplate, credentials: { domain: "x" } })
    expect(Either.isLeft(badCredential) && badCredential.left).toMatchObject({ field: "template.credentials.domain" })
  })

  it("need the generated secrets referenced anywhere or shown as credentials", () => {
    expect(neededSecrets({ APP: "{{secret}}" }, withDatabase)).toEqual(["secret", "db_password", "db_root_password"])
    expect(neededSecrets({}, defaultTemplate)).toEqual([])
  })
})
