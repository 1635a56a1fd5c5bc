import { Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { LedgerReplay } from "../../application/audit/ledgerAudit.ts"
import { EventStore } from "../../application/ports/eventStore.ts"
import { WalletEvent } from "../../domain/ledger/index.ts"
import { QuotaEvent } from "../../domain/quota/index.ts"
import { SubscriptionEvent } from "../../domain/subscription/index.ts"
import { memoryLedgerLayer } from "../support/ledgerMother.ts"
import { created, price, subscriptionId } from "../support/renewalMother.ts"

const sub = (e: SubscriptionEvent) => ({ type: e._tag, data: Schema.encodeSync(SubscriptionEvent)(e) })
const wallet = (e: WalletEvent) => ({ type: e._tag, data: Schema.encodeSync(WalletEvent)(e) })
const quota = (e: QuotaEvent) => ({ type: e._tag, data: Schema.encodeSync(QuotaEvent)(e) })
const charge = (transactionId: string, reference: string, periodStart: string): WalletEvent => ({
  _tag: "WalletCharged",
  transactionId,
  amount: price,
  reference,
  cause: { _tag: "SubscriptionPeriod", subscriptionId, periodStart },
  description: "x"
})

/** Appends a log written behind the deciders' backs, then replays it. */
const problemsOf = (
  subscriptionEvents: ReadonlyArray<SubscriptionEvent>,
  walletEvents: ReadonlyArray<WalletEvent>,
  slotHeld: boolean
) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const store = yield* EventStore
      const at = new Date("2026-03-10T00:00:00.000Z")
      yield* store.append(
        [
          {
            streamId: "wallet-u-1",
            expectedVersion: 0,
            events: [
              wallet({ _tag: "TopUpCredited", transactionId: "TXMP-1", amount: 1_000_000, reference: "topup:p" }),
              ...walletEvents.map(wallet)
            ]
          }
        ],
        {},
        at
      )
      if (slotHeld)
        yield* store.append(
          [
            {
              streamId: "plan-quota-plan-basic",
              expectedVersion: 0,
              events: [quota({ _tag: "QuotaSlotTaken", subscriptionId })]
            }
          ],
          {},
          at
        )
      yield* store.append(
        [{ streamId: `subscription-${subscriptionId}`, expectedVersion: 0, events: subscriptionEvents.map(sub) }],
        {},
        at
      )
      const replay = new LedgerReplay()
      for (const e of yield* store.readAll(0, 1_000)) replay.observe(e)
      return replay
        .report({ walletSummaries: [], accountTotals: new Map() })
        .report.problems.map((p) => p.problem)
        .filter(
          (p) =>
            !p.startsWith("projection") &&
            !p.startsWith("account") &&
            !p.startsWith("wallet") &&
            !p.startsWith("subscriptions row")
        ) // read models are not under test here
    }).pipe(Effect.provide(memoryLedgerLayer()))
  )

const grace = {
  _tag: "GracePeriodStarted",
  at: "2026-02-28T11:00:00.000Z",
  periodStart: "2026-02-28T10:00:00.000Z",
  graceEndsAt: "2026-03-07T10:00:00.000Z",
  amountDue: price,
  balance: 0,
  shortfall: price
} as const

describe("the audit replays renewals", () => {
  it("given a clean history, then no renewal problem", async () => {
    expect(
      await problemsOf(
        [
          created(),
          grace,
          {
            _tag: "SubscriptionSuspended",
            at: "2026-03-07T10:00:00.000Z",
            graceEndsAt: grace.graceEndsAt,
            amountDue: price,
            retentionEndsAt: "2026-04-06T10:00:00.000Z"
          }
        ],
        [],
        false
      )
    ).toEqual([])
  })

  it("given one period charged twice (under two references), then it is reported", async () => {
    const problems = await problemsOf(
      [created()],
      [charge("TXMP-2", "a", "2026-02-28T10:00:00.000Z"), charge("TXMP-3", "b", "2026-02-28T10:00:00.000Z")],
      true
    )
    expect(problems).toContain(`period ${subscriptionId}@2026-02-28T10:00:00.000Z charged twice`)
  })

  it("given a suspension before its grace ended and still holding its slot, then both are reported", async () => {
    const problems = await problemsOf(
      [
        created(),
        grace,
        {
          _tag: "SubscriptionSuspended",
          at: "2026-03-05T00:00:00.000Z",
          graceEndsAt: grace.graceEndsAt,
          amountDue: price,
          retentionEndsAt: "2026-04-04T00:00:00.000Z"
        }
      ],
      [],
      true
    )
    expect(problems).toContain(
      "suspended at 2026-03-05T00:00:00.000Z, before its grace ended at 2026-03-07T10:00:00.000Z"
    )
    expect(problems).toContain("suspended but still holds a quota slot")
  })

  it("given a grace of 6 days, or a renewal leaving a gap, then they are reported", async () => {
    const shortGrace = { ...grace, graceEndsAt: "2026-03-06T10:00:00.000Z" }
    expect(await problemsOf([created(), shortGrace], [], true)).toContain(
      "grace ends 2026-03-06T10:00:00.000Z: not 7 days after 2026-02-28T10:00:00.000Z"
    )
    const gap = {
      _tag: "SubscriptionRenewed",
      at: "2026-03-05T00:00:00.000Z",
      periodStart: "2026-03-05T00:00:00.000Z",
      periodEnd: "2026-04-05T00:00:00.000Z",
      charged: 0,
      chargeTransactionId: null,
      freeMonth: true,
      afterGrace: false
    } as const
    expect(await problemsOf([created(), gap], [], true)).toContain(
      "renewal starts 2026-03-05T00:00:00.000Z, not at the period end 2026-02-28T10:00:00.000Z"
    )
  })
})
