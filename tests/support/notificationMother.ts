import type { NotificationContent, ReminderCandidate } from "../../domain/notification/index.ts"

/** One content of every kind, with values that need escaping and rupiah that need grouping. */
export const contentOfEveryKind = (
  name = "Budi <script>alert('x')</script> & Co"
): ReadonlyArray<NotificationContent> => {
  const s = { serviceName: "n8n", instanceName: name }
  return [
    { _tag: "welcome", name },
    { _tag: "topup_settled", amount: 1_250_000, transactionId: "TXMP-7" },
    {
      _tag: "subscription_created",
      ...s,
      planName: "Basic",
      charged: 1_250_000,
      periodEnd: "2026-12-22T03:00:00.000Z"
    },
    { _tag: "service_ready", ...s, subscriptionId: "12345678-aaaa-4bbb-8ccc-000000000000" },
    { _tag: "renewal_succeeded", ...s, charged: 1_250_000, periodEnd: "2027-01-22T03:00:00.000Z" },
    { _tag: "low_credit", ...s, amountDue: 1_250_000, balance: 50_000, renewalAt: "2026-12-22T03:00:00.000Z" },
    { _tag: "grace_started", ...s, amountDue: 1_250_000, graceEndsAt: "2026-12-29T03:00:00.000Z" },
    { _tag: "grace_reminder", ...s, amountDue: 1_250_000, graceEndsAt: "2026-12-29T03:00:00.000Z", daysLeft: 3 },
    { _tag: "suspended", ...s, retentionEndsAt: "2027-01-28T03:00:00.000Z" },
    { _tag: "expiring", ...s, periodEnd: "2026-12-22T03:00:00.000Z" },
    { _tag: "expired", ...s },
    { _tag: "provisioning_failed", ...s, refunded: 1_250_000 }
  ]
}

export const links = {
  instanceUrl: (name: string, id: string) => `https://${name}-${id.slice(0, 8)}.apps.test`,
  appUrl: "https://minispod.test"
}

export const candidate = (overrides: Partial<ReminderCandidate> = {}): ReminderCandidate => ({
  subscriptionId: "sub-1",
  userId: "user-1",
  serviceName: "Ghost",
  instanceName: "blog",
  renewalStatus: "ACTIVE",
  autoRenew: true,
  periodEnd: "2026-12-10T00:00:00.000Z",
  renewalPrice: 75_000,
  graceEndsAt: null,
  balance: 0,
  ...overrides
})
