/** Each user's instances live in their own namespace. */
export const namespaceOf = (userId: string) => `user-${userId}`

/** An instance's public host name (its ingress): `<name>-<first 8 of the subscription id>.<domain>`. */
export const instanceHost = (instanceName: string, subscriptionId: string, baseDomain: string) =>
  `${instanceName}-${subscriptionId.slice(0, 8)}.${baseDomain}`
