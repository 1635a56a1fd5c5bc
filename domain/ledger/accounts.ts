/** Ledger accounts (DESIGN.md §2). Wallets are per user; the rest are system accounts. */
export const SystemAccounts = {
  gateway: "gateway:midtrans",
  revenue: "revenue:subscriptions",
  promotions: "promotions",
  adjustments: "adjustments"
} as const

export type SystemAccount = (typeof SystemAccounts)[keyof typeof SystemAccounts]

export const walletAccount = (userId: string): string => `wallet:${userId}`

export const walletStreamId = (userId: string): string => `wallet-${userId}`

const walletStreamPrefix = "wallet-"

export const isWalletStream = (streamId: string): boolean => streamId.startsWith(walletStreamPrefix)

export const userIdOfWalletStream = (streamId: string): string => streamId.slice(walletStreamPrefix.length)
