/** A Kubernetes `Status` failure, answered with its HTTP code exactly as kube-apiserver does. */
export interface StatusCause {
  readonly reason: string
  readonly message: string
  readonly field?: string
}

export interface StatusDetails {
  readonly name?: string
  readonly group?: string
  readonly kind?: string
  readonly uid?: string
  readonly causes?: ReadonlyArray<StatusCause>
  readonly retryAfterSeconds?: number
}

export class KubeError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails
  ) {
    super(message)
  }

  toStatus() {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      ...(this.details === undefined ? {} : { details: this.details }),
      code: this.code
    }
  }
}

/** The qualified resource name in messages: `deployments.apps`, `pods`. */
export const qualified = (group: string, plural: string) => (group === "" ? plural : `${plural}.${group}`)

export const notFound = (group: string, plural: string, name: string) =>
  new KubeError(404, "NotFound", `${qualified(group, plural)} "${name}" not found`, { name, group, kind: plural })

export const alreadyExists = (group: string, plural: string, name: string) =>
  new KubeError(409, "AlreadyExists", `${qualified(group, plural)} "${name}" already exists`, {
    name,
    group,
    kind: plural
  })

export const conflict = (
  group: string,
  plural: string,
  name: string,
  why = "the object has been modified; please apply your changes to the latest version and try again"
) =>
  new KubeError(409, "Conflict", `Operation cannot be fulfilled on ${qualified(group, plural)} "${name}": ${why}`, {
    name,
    group,
    kind: plural
  })

export const invalid = (group: string, kind: string, name: string, causes: ReadonlyArray<StatusCause>) =>
  new KubeError(
    422,
    "Invalid",
    `${kind}${group === "" ? "" : `.${group}`} "${name}" is invalid: ${causes.map((c) => `${c.field ? `${c.field}: ` : ""}${c.message}`).join(", ")}`,
    { name, group, kind, causes }
  )

export const badRequest = (message: string) => new KubeError(400, "BadRequest", message)

export const methodNotAllowed = (message = "the server does not allow this method on the requested resource") =>
  new KubeError(405, "MethodNotAllowed", message)

export const unsupportedMediaType = (type: string) =>
  new KubeError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${type})`
  )

export const pageNotFound = () => new KubeError(404, "NotFound", "the server could not find the requested resource")

export const successStatus = (details: StatusDetails) => ({
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Success",
  details
})
