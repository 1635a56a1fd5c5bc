/** Each user's instances live in their own namespace. */
export const namespaceOf = (userId: string) => `user-${userId}`
