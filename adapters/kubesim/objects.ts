import { randomBytes, randomUUID } from "node:crypto"
import { applyDefaults, validateObject } from "./admission.ts"
import { applyConflicts, jsonPatch, mergePatch, serverSideApply, strategicMergePatch, withoutPath } from "./patch.ts"
import { apiVersionOf, keyOf, type ResourceDef, resources } from "./resources.ts"
import { alreadyExists, badRequest, conflict, invalid, KubeError, notFound, successStatus } from "./status.ts"
import type { Obj, Store, Stored, Tx } from "./store.ts"
import { sameJson } from "./equality.ts"

export const nowIso = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z")

export const randomSuffix = (n = 5) => {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789" // what Kubernetes' generateName uses
  return [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join("")
}

const same = sameJson

/** Everything but metadata and status: a change here bumps metadata.generation. */
const specOf = ({ metadata: _m, status: _s, ...rest }: Obj) => rest

/** fieldsV1 of an applied configuration (what `kubectl get -o yaml --show-managed-fields` shows). */
const fieldsV1Of = (value: unknown, field = ""): Obj => {
  if (Array.isArray(value)) {
    const key =
      field === "ports"
        ? value.some((v) => v?.containerPort !== undefined)
          ? "containerPort"
          : "port"
        : ["containers", "env", "volumes", "initContainers", "imagePullSecrets"].includes(field)
          ? "name"
          : field === "volumeMounts"
            ? "mountPath"
            : undefined
    if (key === undefined) return {}
    return Object.fromEntries(
      value.map((item) => [`k:${JSON.stringify({ [key]: item?.[key] })}`, { ".": {}, ...fieldsV1Of(item) }])
    )
  }
  if (typeof value !== "object" || value === null) return {}
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !["apiVersion", "kind", "name", "namespace"].includes(k))
      .map(([k, v]) => [`f:${k}`, fieldsV1Of(v, k)])
  )
}

/** Owners are keyed "<manager>" or "<manager>|<subresource>" (a scale write owns spec.replicas apart from the manager's apply). */
const managedFieldsOf = (def: ResourceDef, applied: Record<string, Obj>, time: string) =>
  Object.entries(applied).map(([owner, config]) => {
    const [manager, subresource] = owner.split("|")
    return {
      manager,
      operation: subresource === undefined ? "Apply" : "Update",
      apiVersion: subresource === "scale" ? "autoscaling/v1" : apiVersionOf(def),
      time,
      fieldsType: "FieldsV1",
      fieldsV1: fieldsV1Of(config),
      ...(subresource === undefined ? {} : { subresource })
    }
  })

export type Subresource = "status" | "scale" | undefined

export interface Hooks {
  /** Deployments whose template may not change (injected failure): answered 422 by an admission "webhook". */
  readonly refusesTemplateChange: (name: string) => boolean
}

/** The verbs on stored objects, with a real API server's semantics. */
export const makeObjects = (store: Store, hooks: Hooks) => {
  const requireNamespace = async (tx: Tx, def: ResourceDef, namespace: string) => {
    if (!def.namespaced) return
    if ((await tx.get("/namespaces", "", namespace)) === undefined) throw notFound("", "namespaces", namespace)
  }

  const checkShape = (def: ResourceDef, body: unknown, namespace: string): Obj => {
    if (typeof body !== "object" || body === null || Array.isArray(body))
      throw badRequest("the body of the request must be a JSON object")
    const o = body as Obj
    if (o["apiVersion"] !== undefined && o["apiVersion"] !== apiVersionOf(def)) {
      throw badRequest(
        `the API version in the data (${o["apiVersion"]}) does not match the expected API version (${apiVersionOf(def)})`
      )
    }
    if (o["kind"] !== undefined && o["kind"] !== def.kind)
      throw badRequest(`the kind in the data (${o["kind"]}) does not match the expected kind (${def.kind})`)
    const bodyNamespace = o["metadata"]?.namespace
    if (def.namespaced && bodyNamespace !== undefined && bodyNamespace !== "" && bodyNamespace !== namespace) {
      throw badRequest("the namespace of the provided object does not match the namespace sent on the request")
    }
    return o
  }

  /** A new object as the server stores it: system metadata set, status reset, defaults filled. */
  const prepareNew = (def: ResourceDef, body: Obj, namespace: string): Obj => {
    const {
      resourceVersion: _rv,
      managedFields: _mf,
      uid: _uid,
      creationTimestamp: _ct,
      deletionTimestamp: _dt,
      generation: _g,
      selfLink: _sl,
      ...metadata
    } = (body["metadata"] ?? {}) as Obj
    const name =
      metadata["name"] ??
      (typeof metadata["generateName"] === "string" ? `${metadata["generateName"]}${randomSuffix()}` : undefined)
    const { status, ...rest } = body
    return applyDefaults(def, {
      ...rest,
      ...(def.subresources.includes("status") ? {} : status === undefined ? {} : { status }),
      metadata: {
        ...metadata,
        name,
        ...(def.namespaced ? { namespace } : {}),
        uid: randomUUID(),
        creationTimestamp: nowIso(),
        ...(def.kind === "Deployment" ||
        def.kind === "ReplicaSet" ||
        def.kind === "Ingress" ||
        def.kind === "NetworkPolicy"
          ? { generation: 1 }
          : {})
      }
    })
  }

  /** The next version of a stored object from a full body: system fields kept, status per subresource. */
  const prepareUpdate = (def: ResourceDef, previous: Obj, body: Obj, subresource: Subresource): Obj => {
    if (subresource === "status") return { ...previous, status: body["status"] }
    const { managedFields: _mf, resourceVersion: _rv, ...metadata } = (body["metadata"] ?? {}) as Obj
    const pm = previous["metadata"] as Obj
    const next: Obj = {
      ...body,
      metadata: {
        ...metadata,
        name: pm["name"],
        ...(def.namespaced ? { namespace: pm["namespace"] } : {}),
        uid: pm["uid"],
        creationTimestamp: pm["creationTimestamp"],
        ...(pm["generation"] !== undefined ? { generation: pm["generation"] } : {})
      },
      ...(def.subresources.includes("status") ? { status: previous["status"] } : {})
    }
    if (next["status"] === undefined) delete next["status"]
    const defaulted = applyDefaults(def, next, previous)
    if (pm["generation"] !== undefined && !same(specOf(defaulted), specOf(previous)))
      defaulted["metadata"].generation = Number(pm["generation"]) + 1
    return defaulted
  }

  const checkResourceVersion = (def: ResourceDef, previous: Obj, body: Obj) => {
    const expected = body["metadata"]?.resourceVersion
    if (expected !== undefined && expected !== "" && expected !== previous["metadata"].resourceVersion)
      throw conflict(def.group, def.plural, previous["metadata"].name)
  }

  /** Stores the next version unless nothing changed (a no-op write keeps the resourceVersion). */
  const commit = async (
    tx: Tx,
    def: ResourceDef,
    previous: Stored,
    next: Obj,
    applied?: Record<string, Obj>
  ): Promise<Obj> => {
    validateObject(def, next, previous.body)
    if (
      def.kind === "Deployment" &&
      hooks.refusesTemplateChange(previous.body["metadata"].name) &&
      !same(next["spec"]?.template, previous.body["spec"]?.template)
    ) {
      throw new KubeError(
        422,
        "Invalid",
        `admission webhook "deny-changes.kubesim.minispod.dev" denied the request: deployment ${previous.body["metadata"].name} refuses changes to its pod template (injected failure: name starts with "nopatch-")`,
        {
          name: previous.body["metadata"].name,
          group: def.group,
          kind: def.kind,
          causes: [{ reason: "FieldValueForbidden", message: "Forbidden: injected failure", field: "spec.template" }]
        }
      )
    }
    const managed = applied ?? previous.applied
    const withFields =
      Object.keys(managed).length > 0
        ? { ...next, metadata: { ...next["metadata"], managedFields: managedFieldsOf(def, managed, nowIso()) } }
        : next
    const { resourceVersion: _a, managedFields: _b, ...nextMeta } = withFields["metadata"] as Obj
    const { resourceVersion: _c, managedFields: _d, ...prevMeta } = previous.body["metadata"] as Obj
    if (
      same({ ...withFields, metadata: nextMeta }, { ...previous.body, metadata: prevMeta }) &&
      same(managed, previous.applied)
    )
      return previous.body
    return tx.put(keyOf(def), withFields, applied)
  }

  const create = (def: ResourceDef, namespace: string, body: unknown, dryRun = false) =>
    store.transact(
      async (tx) => {
        const shaped = checkShape(def, body, namespace)
        const object = prepareNew(def, shaped, namespace)
        validateObject(def, object)
        await requireNamespace(tx, def, namespace)
        if ((await tx.get(keyOf(def), def.namespaced ? namespace : "", object["metadata"].name)) !== undefined)
          throw alreadyExists(def.group, def.plural, object["metadata"].name)
        return tx.put(keyOf(def), object)
      },
      { dryRun }
    )

  const load = async (tx: Tx, def: ResourceDef, namespace: string, name: string) => {
    const stored = await tx.get(keyOf(def), def.namespaced ? namespace : "", name)
    if (stored === undefined) throw notFound(def.group, def.plural, name)
    return stored
  }

  const replace = (
    def: ResourceDef,
    namespace: string,
    name: string,
    body: unknown,
    subresource: Subresource,
    dryRun = false
  ) =>
    store.transact(
      async (tx) => {
        const shaped = checkShape(def, body, namespace)
        if (shaped["metadata"]?.name !== undefined && shaped["metadata"].name !== name)
          throw badRequest(
            `the name of the object (${shaped["metadata"].name}) does not match the name on the URL (${name})`
          )
        const previous = await load(tx, def, namespace, name)
        checkResourceVersion(def, previous.body, shaped)
        return commit(tx, def, previous, prepareUpdate(def, previous.body, shaped, subresource))
      },
      { dryRun }
    )

  const patchBody = (type: string, current: Obj, patch: unknown, def: ResourceDef): Obj => {
    try {
      if (type === "application/json-patch+json") return jsonPatch(current, patch)
      if (typeof patch !== "object" || patch === null || Array.isArray(patch))
        throw new Error("a merge patch must be a JSON object")
      return (
        type === "application/strategic-merge-patch+json"
          ? strategicMergePatch(current, patch)
          : mergePatch(current, patch)
      ) as Obj
    } catch (error) {
      if (error instanceof KubeError) throw error
      throw invalid(def.group, def.kind, current["metadata"]?.name ?? "", [
        { reason: "FieldValueInvalid", message: (error as Error).message }
      ])
    }
  }

  const patch = (
    def: ResourceDef,
    namespace: string,
    name: string,
    type: string,
    patchDocument: unknown,
    options: {
      fieldManager?: string
      force?: boolean
      dryRun?: boolean
      owner?: { readonly key: string; readonly config: Obj }
    },
    subresource: Subresource
  ) =>
    store.transact(
      async (tx) => {
        if (type === "application/apply-patch+yaml") {
          if (options.fieldManager === undefined || options.fieldManager === "")
            throw badRequest("PATCH, application/apply-patch+yaml requests require a fieldManager")
          const applied = checkShape(def, patchDocument, namespace)
          if (applied["apiVersion"] === undefined || applied["kind"] === undefined)
            throw badRequest("apiVersion and kind must be set in an applied configuration")
          if (applied["metadata"]?.name !== undefined && applied["metadata"].name !== name)
            throw badRequest(
              `the name of the object (${applied["metadata"].name}) does not match the name on the URL (${name})`
            )
          const existing = await tx.get(keyOf(def), def.namespaced ? namespace : "", name)
          const config = { ...applied, metadata: { ...applied["metadata"], name } }
          if (existing === undefined) {
            if (subresource !== undefined) throw notFound(def.group, def.plural, name)
            await requireNamespace(tx, def, namespace)
            const object = prepareNew(def, config, namespace)
            validateObject(def, object)
            return tx.put(
              keyOf(def),
              {
                ...object,
                metadata: {
                  ...object["metadata"],
                  managedFields: managedFieldsOf(def, { [options.fieldManager]: config }, nowIso())
                }
              },
              { [options.fieldManager]: config }
            )
          }
          checkResourceVersion(def, existing.body, applied)
          const { [options.fieldManager]: previousConfig, ...others } = existing.applied
          const conflicts = applyConflicts(config, others)
          if (options.force !== true) {
            if (conflicts.length > 0) {
              throw new KubeError(
                409,
                "Conflict",
                `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? "" : "s"}: ${conflicts.map((c) => `conflict with "${c.manager.split("|")[0]}"${c.manager.includes("|") ? ` with subresource "${c.manager.split("|")[1]}"` : ""}: ${c.path}`).join("\n")}`,
                {
                  name,
                  group: def.group,
                  kind: def.plural,
                  causes: conflicts.map((c) => ({
                    reason: "FieldManagerConflict",
                    message: `conflict with "${c.manager}"`,
                    field: c.path
                  }))
                }
              )
            }
          }
          // A forced apply takes the conflicting fields: their previous owners no longer hold them.
          const remaining = Object.fromEntries(
            Object.entries(others)
              .map(
                ([owner, c]) =>
                  [
                    owner,
                    conflicts.filter((x) => x.manager === owner).reduce((acc, x) => withoutPath(acc, x.path), c)
                  ] as const
              )
              .filter(([, c]) => Object.keys(c).length > 0)
          )
          const merged = serverSideApply(existing.body, previousConfig, config, Object.values(remaining))
          return commit(tx, def, existing, prepareUpdate(def, existing.body, merged, subresource), {
            ...remaining,
            [options.fieldManager]: config
          })
        }
        const existing = await load(tx, def, namespace, name)
        const patched = patchBody(type, existing.body, patchDocument, def)
        checkResourceVersion(
          def,
          existing.body,
          patched["metadata"]?.resourceVersion === existing.body["metadata"].resourceVersion ? {} : patched
        )
        const owners =
          options.owner === undefined ? undefined : { ...existing.applied, [options.owner.key]: options.owner.config }
        return commit(tx, def, existing, prepareUpdate(def, existing.body, patched, subresource), owners)
      },
      { dryRun: options.dryRun === true }
    )

  /** Deletes an object and, unless orphaned, what it owns (a namespace: everything in it). */
  const removeWithDependents = async (tx: Tx, def: ResourceDef, stored: Obj, propagation: string) => {
    const uid = stored["metadata"].uid as string
    const namespace = (stored["metadata"].namespace ?? "") as string
    if (def.kind === "Namespace") {
      for (const child of await tx.allIn(stored["metadata"].name)) await tx.remove(child.resource, child.body)
    } else if (def.namespaced) {
      for (const child of await tx.ownedBy(namespace, uid)) {
        const childDef = resources.find((r) => keyOf(r) === child.resource)!
        if (propagation === "Orphan") {
          const refs = (child.body["metadata"].ownerReferences as Array<Obj>).filter((r) => r["uid"] !== uid)
          await tx.put(child.resource, {
            ...child.body,
            metadata: { ...child.body["metadata"], ownerReferences: refs.length > 0 ? refs : undefined }
          })
        } else await removeWithDependents(tx, childDef, child.body, propagation)
      }
    }
    return tx.remove(keyOf(def), stored)
  }

  const checkPreconditions = (def: ResourceDef, stored: Obj, options: Obj | undefined) => {
    const pre = options?.["preconditions"] as { uid?: string; resourceVersion?: string } | undefined
    if (pre?.uid !== undefined && pre.uid !== stored["metadata"].uid) {
      throw conflict(
        def.group,
        def.plural,
        stored["metadata"].name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${stored["metadata"].uid}`
      )
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== stored["metadata"].resourceVersion) {
      throw conflict(
        def.group,
        def.plural,
        stored["metadata"].name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${stored["metadata"].resourceVersion}`
      )
    }
  }

  const propagationOf = (def: ResourceDef, query: string | undefined, options: Obj | undefined) => {
    const policy = (query ??
      options?.["propagationPolicy"] ??
      (options?.["orphanDependents"] === true ? "Orphan" : "Background")) as string
    if (!["Background", "Foreground", "Orphan"].includes(policy))
      throw invalid(def.group, "DeleteOptions", "", [
        {
          reason: "FieldValueNotSupported",
          message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
          field: "propagationPolicy"
        }
      ])
    return policy
  }

  const remove = (
    def: ResourceDef,
    namespace: string,
    name: string,
    options: Obj | undefined,
    propagationQuery: string | undefined,
    dryRun = false
  ) =>
    store.transact(
      async (tx) => {
        const stored = await load(tx, def, namespace, name)
        checkPreconditions(def, stored.body, options)
        const removed = await removeWithDependents(tx, def, stored.body, propagationOf(def, propagationQuery, options))
        return def.kind === "Namespace"
          ? {
              ...removed,
              metadata: { ...removed["metadata"], deletionTimestamp: nowIso() },
              status: { phase: "Terminating" }
            }
          : successStatus({ name, group: def.group, kind: def.plural, uid: stored.body["metadata"].uid })
      },
      { dryRun }
    )

  const removeCollection = (
    def: ResourceDef,
    namespace: string | undefined,
    matches: (o: Obj) => boolean,
    propagationQuery: string | undefined,
    options: Obj | undefined
  ) =>
    store.transact(async (tx) => {
      const propagation = propagationOf(def, propagationQuery, options)
      const items: Array<Obj> = []
      for (const object of (await tx.list(keyOf(def), namespace)).filter(matches)) {
        if ((await tx.get(keyOf(def), object["metadata"].namespace ?? "", object["metadata"].name)) === undefined)
          continue // went with an owner
        items.push(await removeWithDependents(tx, def, object, propagation))
      }
      return items
    })

  const get = async (def: ResourceDef, namespace: string, name: string) => {
    const stored = await store.get(keyOf(def), def.namespaced ? namespace : "", name)
    if (stored === undefined) throw notFound(def.group, def.plural, name)
    return stored.body
  }

  return { create, replace, patch, remove, removeCollection, get }
}

export type Objects = ReturnType<typeof makeObjects>
