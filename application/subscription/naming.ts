import { Context, Effect } from "effect"

export interface ProvisioningPolicyService {
  readonly baseDomain: string
  readonly timeoutSeconds: number
  /** Each user's instances live in the namespace `<prefix><userId>`. */
  readonly namespacePrefix: string
}
export class ProvisioningPolicy extends Context.Tag("app/ProvisioningPolicy")<
  ProvisioningPolicy,
  ProvisioningPolicyService
>() {}

/**
 * Where an instance lives in the cluster: its owner's namespace, and a name unique there
 * (a user may give two instances of different services the same name): `<name>-<id8>`, which
 * is also the first label of its host.
 */
export const locate = (view: { readonly userId: string; readonly id: string; readonly instanceName: string }) =>
  Effect.map(ProvisioningPolicy, (policy) => ({
    namespace: `${policy.namespacePrefix}${view.userId}`,
    name: `${view.instanceName}-${view.id.slice(0, 8)}`
  }))

/** An instance's public host name (its ingress): `<name>-<first 8 of the subscription id>.<domain>`. */
export const instanceHost = (instanceName: string, subscriptionId: string, baseDomain: string) =>
  `${instanceName}-${subscriptionId.slice(0, 8)}.${baseDomain}`
