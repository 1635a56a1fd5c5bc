import { Effect, Either } from "effect"
import { TransactionIds } from "../../application/ports/ids.ts"
import { runCommand } from "../../application/shared/runCommand.ts"
import { quotaStream, serviceGuardStream, subscriptionStream, walletStream } from "../../application/shared/streams.ts"
import { walletStreamId } from "../../domain/ledger/index.ts"
import { quotaStreamId } from "../../domain/quota/index.ts"
import { addMonths } from "../../domain/shared/index.ts"
import { serviceGuardStreamId, subscriptionStreamId } from "../../domain/subscription/index.ts"

/** n8n Basic from the seeded catalog; its capacity is raised by the seed. */
export const seedPlanId = "90000000-0000-4000-8000-000000000002"
export const seedServiceId = "50000000-0000-4000-8000-000000000001"
const chunkSize = 100
const pad = (prefix: string, i: number) => `${prefix}-0000-4000-8000-${String(i).padStart(12, "0")}`

export interface SeededSubscription {
  readonly id: string
  readonly userId: string
  readonly periodEnd: string
}

/**
 * `count` subscriptions whose period ended before `now`, each with its own funded wallet: the
 * same events subscribe writes (credit, charge, slot, creation, running), one transaction each.
 */
export const seedDueSubscriptions = (options: {
  readonly count: number
  readonly balance: number
  readonly price: number
  readonly periodStart: string
  readonly prefix?: string
}) =>
  Effect.gen(function* () {
    const prefix = options.prefix ?? "71111111"
    const periodEnd = addMonths(options.periodStart, 1)
    const quotaId = quotaStreamId(seedPlanId)
    yield* runCommand(
      [quotaId],
      (loaded) => {
        const q = quotaStream.load(loaded.get(quotaId))
        return Either.right({
          events:
            q.capacity === 1_000_000
              ? []
              : quotaStream.encode(quotaId, q, [{ _tag: "QuotaCapacitySet", capacity: 1_000_000, by: "seed" }]),
          result: undefined
        })
      },
      { actor: "seed" }
    )
    // Many subscriptions per transaction (one multi-stream append): seeding stays a small part of a test.
    const chunks = Array.from({ length: Math.ceil(options.count / chunkSize) }, (_, c) =>
      Array.from({ length: Math.min(chunkSize, options.count - c * chunkSize) }, (_, k) => c * chunkSize + k)
    )
    const seeded = yield* Effect.forEach(
      chunks,
      (chunk) =>
        Effect.gen(function* () {
          const ids = yield* TransactionIds
          const rows: Array<{ i: number; id: string; userId: string; topUp: string; charge: string }> = []
          for (const i of chunk)
            rows.push({
              i,
              id: pad(prefix, i),
              userId: pad(prefix.replace(/^7/, "6"), i),
              topUp: yield* ids.next,
              charge: yield* ids.next
            })
          const streams = [
            quotaId,
            ...rows.flatMap((r) => [
              walletStreamId(r.userId),
              subscriptionStreamId(r.id),
              serviceGuardStreamId(r.userId, seedServiceId)
            ])
          ]
          yield* runCommand(
            streams,
            (loaded) => {
              const quota = quotaStream.load(loaded.get(quotaId))
              const taken = rows.map((r) => ({ _tag: "QuotaSlotTaken" as const, subscriptionId: r.id }))
              const appends = [...quotaStream.encode(quotaId, quota, taken)]
              for (const r of rows) {
                const cause = {
                  _tag: "SubscriptionPeriod" as const,
                  subscriptionId: r.id,
                  periodStart: options.periodStart
                }
                appends.push(
                  ...walletStream.encode(
                    walletStreamId(r.userId),
                    walletStream.load(loaded.get(walletStreamId(r.userId))),
                    [
                      {
                        _tag: "TopUpCredited",
                        transactionId: r.topUp,
                        amount: options.balance + options.price,
                        reference: `topup:seed-${r.id}`
                      },
                      {
                        _tag: "WalletCharged",
                        transactionId: r.charge,
                        amount: options.price,
                        reference: `period:${r.id}:${options.periodStart}`,
                        cause,
                        description: "seed, first month"
                      }
                    ]
                  ),
                  ...subscriptionStream.encode(subscriptionStreamId(r.id), subscriptionStream.load(undefined), [
                    {
                      _tag: "SubscriptionCreated",
                      subscriptionId: r.id,
                      userId: r.userId,
                      serviceId: seedServiceId,
                      plan: { planId: seedPlanId, planType: "BASIC", monthlyPrice: options.price },
                      charged: options.price,
                      chargeTransactionId: r.charge,
                      periodStart: options.periodStart,
                      periodEnd,
                      autoRenew: true,
                      instanceName: `seed-${r.i}`
                    },
                    { _tag: "InstanceRunning", at: options.periodStart }
                  ]),
                  ...serviceGuardStream.encode(
                    serviceGuardStreamId(r.userId, seedServiceId),
                    serviceGuardStream.load(undefined),
                    [{ _tag: "ServiceClaimed", subscriptionId: r.id }]
                  )
                )
              }
              return Either.right({ events: appends, result: undefined })
            },
            { actor: "seed" }
          )
          return rows.map((r) => ({ id: r.id, userId: r.userId, periodEnd }) satisfies SeededSubscription)
        }),
      { concurrency: 1 }
    )
    return seeded.flat()
  })

/** The period charges per subscription, straight from the log (what the invariant is about). */
export const periodChargesSql = `
  select data->'cause'->>'subscriptionId' as subscription_id, data->'cause'->>'periodStart' as period_start, count(*)::int as n
  from events where type = 'WalletCharged' and data->'cause'->>'_tag' = 'SubscriptionPeriod'
  group by 1, 2`
