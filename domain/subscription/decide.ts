import { Either } from "effect"
import { addMonths } from "../shared/index.ts"
import type { SubscriptionCommand } from "./commands.ts"
import {
  DuplicateSubscription,
  InvalidInstanceTransition,
  RenewalOverdue,
  type SubscriptionError,
  SubscriptionNotActive,
  UpgradeRequired
} from "./errors.ts"
import { PlanType, type ServiceGuardEvent, type SubscriptionEvent } from "./events.ts"
import { cancellationRefund, upgradeCharge } from "./proration.ts"
import type { ServiceGuardState, SubscriptionState } from "./state.ts"

/** Plan tiers, lowest first: the order upgrades must follow. */
export const tierRank = (planType: PlanType) => PlanType.literals.indexOf(planType)

type Decision = Either.Either<ReadonlyArray<SubscriptionEvent>, SubscriptionError>

const notActive = (state: SubscriptionState) =>
  Either.left(new SubscriptionNotActive({ subscriptionId: state.subscriptionId, status: state.status }))

export const decideSubscription = (command: SubscriptionCommand, state: SubscriptionState): Decision => {
  switch (command._tag) {
    case "Subscribe":
      if (state.status !== "NONE") return Either.right([]) // the same id twice: already created
      return Either.right([
        {
          _tag: "SubscriptionCreated",
          subscriptionId: command.subscriptionId,
          userId: command.userId,
          serviceId: command.serviceId,
          plan: command.plan,
          charged: command.charged,
          chargeTransactionId: command.chargeTransactionId,
          periodStart: command.now,
          periodEnd: addMonths(command.now, 1),
          autoRenew: command.autoRenew,
          instanceName: command.instanceName
        },
        ...(command.freeMonths !== undefined && command.freeMonths.months > 0
          ? [
              {
                _tag: "FreeMonthsGranted" as const,
                couponCode: command.freeMonths.couponCode,
                months: command.freeMonths.months
              }
            ]
          : [])
      ])
    case "Upgrade": {
      if (state.status !== "ACTIVE" || state.plan === undefined) return notActive(state)
      if (state.upgrades.has(command.upgradeId)) return Either.right([])
      if (state.graceEndsAt !== undefined)
        return Either.left(new RenewalOverdue({ subscriptionId: state.subscriptionId, graceEndsAt: state.graceEndsAt }))
      if (tierRank(command.to.planType) <= tierRank(state.plan.planType)) {
        return Either.left(
          new UpgradeRequired({ currentPlanType: state.plan.planType, requestedPlanType: command.to.planType })
        )
      }
      const charged = command.bonus
        ? 0
        : upgradeCharge(
            state.plan.monthlyPrice,
            command.to.monthlyPrice,
            command.now,
            state.periodStart,
            state.periodEnd
          )
      return Either.right([
        {
          _tag: "SubscriptionUpgraded",
          upgradeId: command.upgradeId,
          from: state.plan,
          to: command.to,
          charged,
          chargeTransactionId: charged > 0 ? command.chargeTransactionId : null
        }
      ])
    }
    case "SetAutoRenew":
      if (state.status !== "ACTIVE") return notActive(state)
      return Either.right(
        state.autoRenew === command.enabled ? [] : [{ _tag: "AutoRenewChanged", enabled: command.enabled }]
      )
    case "Reconfigure":
      if (state.status !== "ACTIVE") return notActive(state)
      return Either.right([
        {
          _tag: "InstanceReconfigured",
          at: command.now,
          by: command.by,
          displayName: command.displayName,
          envKeys: [...command.envKeys]
        }
      ])
    case "RetryProvisioning": {
      if (state.plan === undefined || !["FAILED", "CANCELLED", "EXPIRED"].includes(state.status)) {
        return Either.left(new InvalidInstanceTransition({ from: state.instanceStatus, to: "PROVISIONING" }))
      }
      const charged = state.plan.monthlyPrice
      return Either.right([
        {
          _tag: "ProvisioningRetried",
          at: command.now,
          charged,
          chargeTransactionId: charged > 0 ? command.chargeTransactionId : null,
          periodStart: command.now,
          periodEnd: addMonths(command.now, 1)
        }
      ])
    }
    case "Extend": {
      if (state.status !== "ACTIVE") return notActive(state)
      const periodEnd = new Date(Date.parse(state.periodEnd) + command.days * 86_400_000).toISOString()
      return Either.right([{ _tag: "SubscriptionExtended", periodEnd, by: command.by, reason: command.reason }])
    }
    case "Expire":
      if (state.status !== "ACTIVE" && state.status !== "SUSPENDED") return notActive(state)
      return Either.right([{ _tag: "SubscriptionExpired", at: command.now, by: command.by, reason: command.reason }])
    case "MarkRunning":
      // Provisioning, a start or a restart finished; anything else is a stale report (no-op).
      return Either.right(
        state.status === "ACTIVE" && ["PROVISIONING", "STARTING", "RESTARTING"].includes(state.instanceStatus)
          ? [{ _tag: "InstanceRunning", at: command.now }]
          : []
      )
    case "FailProvisioning": {
      // Exactly once: only a subscription still provisioning can fail; a retry finds it failed.
      if (state.status !== "ACTIVE" || state.instanceStatus !== "PROVISIONING") return Either.right([])
      const refunded = state.periodCharges.reduce((sum, c) => sum + c.amount, 0)
      return Either.right([{ _tag: "InstanceProvisioningFailed", at: command.now, reason: command.reason, refunded }])
    }
    case "Transition": {
      if (state.status !== "ACTIVE") return notActive(state)
      const allowed: Record<string, ReadonlyArray<string>> = {
        STOPPING: ["RUNNING"],
        STOPPED: ["STOPPING"],
        STARTING: ["STOPPED"],
        RESTARTING: ["RUNNING"]
      }
      return allowed[command.to]!.includes(state.instanceStatus)
        ? Either.right([
            {
              _tag: "InstanceTransitioned",
              at: command.now,
              from: state.instanceStatus,
              to: command.to,
              by: command.by
            }
          ])
        : Either.left(new InvalidInstanceTransition({ from: state.instanceStatus, to: command.to }))
    }
    case "Cancel": {
      // A suspended subscription can be cancelled too: its period is over, nothing is refunded.
      if ((state.status !== "ACTIVE" && state.status !== "SUSPENDED") || state.plan === undefined)
        return notActive(state)
      const left = command.refundable.reduce((sum, c) => sum + c.amount, 0)
      const refunded =
        command.refund === "none"
          ? 0
          : command.refund === "full"
            ? left
            : cancellationRefund(
                state.plan.monthlyPrice,
                command.refundable,
                command.now,
                state.periodStart,
                state.periodEnd
              )
      return Either.right([
        { _tag: "SubscriptionCancelled", at: command.now, by: command.by, reason: command.reason, refunded }
      ])
    }
  }
}

/** The upgrade-only policy, race-free: one holder per user and service. */
export const claimService = (
  subscriptionId: string,
  upgradeOptions: ReadonlyArray<string>,
  guard: ServiceGuardState
): Either.Either<ReadonlyArray<ServiceGuardEvent>, DuplicateSubscription> =>
  guard.holder === subscriptionId
    ? Either.right([])
    : guard.holder !== undefined
      ? Either.left(new DuplicateSubscription({ existingSubscriptionId: guard.holder, upgradeOptions }))
      : Either.right([{ _tag: "ServiceClaimed", subscriptionId }])

export const releaseService = (subscriptionId: string, guard: ServiceGuardState): ReadonlyArray<ServiceGuardEvent> =>
  guard.holder === subscriptionId ? [{ _tag: "ServiceReleased", subscriptionId }] : []
