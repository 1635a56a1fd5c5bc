import { Option } from "effect"
import type { AppConfig } from "./config.ts"
import { usesDevMailbox } from "./layers.ts"

/**
 * The one production-safety rule. Simulators and /dev/* endpoints are for a developer's own
 * machine: they are served only outside production and only on a loopback HOST, and the server
 * refuses to start in production (NODE_ENV=production or MINISPOD_ENV=production) with any of
 * them, with the development clock, or with a generated JWT secret — naming each.
 */
export const isProduction = (config: Pick<AppConfig, "nodeEnv" | "minispodEnv">) =>
  // However it is spelt: "Production" or " production" must not serve the simulators.
  [config.nodeEnv, config.minispodEnv].some((value) => value.trim().toLowerCase() === "production")

export const isLoopbackHost = (host: string) =>
  host === "localhost" || host === "::1" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host)

/** A simulated external system or a development-only endpoint. Other surfaces plug in with one line below. */
export interface DevSurface {
  readonly name: string
  /** The variable that turns it on or off (named in refusals). */
  readonly variable: string
  readonly active: boolean
  /** Mounts HTTP routes under /dev/* (unauthenticated): loopback HOST only. */
  readonly servesHttp: boolean
  readonly fix: string
}

export const devSurfacesOf = (config: AppConfig): ReadonlyArray<DevSurface> => [
  {
    name: "the Midtrans simulator (/dev/midtrans: unauthenticated pay buttons)",
    variable: "MIDTRANS_MODE",
    active: config.midtransMode === "simulator",
    servesHttp: true,
    fix: "set MIDTRANS_MODE=sandbox or production (unset means the simulator)"
  },
  {
    name: "the Kubernetes API simulator (/dev/kube: unauthenticated cluster API)",
    variable: "CLUSTER_MODE",
    active: config.clusterMode === "simulator",
    servesHttp: true,
    fix: "set CLUSTER_MODE=kubernetes"
  },
  {
    name: "the development clock (/dev/clock: moves time for renewals)",
    variable: "DEV_CLOCK",
    active: config.devClock,
    servesHttp: true,
    fix: "unset DEV_CLOCK"
  },
  {
    name: "the development mailbox (/dev/mailbox: every email readable, unauthenticated)",
    variable: "SMTP_URL",
    active: usesDevMailbox(config),
    servesHttp: true,
    fix: "set SMTP_URL to a real SMTP server"
  }
]

/** Whether dev surfaces that are configured may be served at all (the start refuses the other cases). */
export const mayServeDevSurfaces = (config: AppConfig) => !isProduction(config) && isLoopbackHost(config.host)

/** Every reason this configuration must not start, one line per variable. */
export const productionRefusals = (config: AppConfig, seen: { readonly midtransModeSet: boolean }): Array<string> => {
  const production = isProduction(config)
  const surfaces = devSurfacesOf(config).filter((s) => s.active)
  return [
    ...(production
      ? surfaces.map((s) => `  ${s.variable}: ${s.name} never runs in production; ${s.fix}`)
      : isLoopbackHost(config.host)
        ? []
        : surfaces
            .filter((s) => s.servesHttp)
            .map(
              (s) =>
                `  ${s.variable}: ${s.name} is served only on a loopback HOST (HOST=${config.host}); ${s.fix}${s.variable === "MIDTRANS_MODE" && !seen.midtransModeSet ? " explicitly" : ""}`
            )),
    ...(production && Option.isNone(config.jwtSecret)
      ? [
          "  JWT_SECRET: required in production (a generated secret ends every session at restart and differs per replica)"
        ]
      : []),
    ...(production && Option.isNone(config.adminPassword)
      ? ["  ADMIN_PASSWORD: required in production (the development default is public)"]
      : []),
    ...(production && !config.midtransConfirmStatus
      ? [
          "  MIDTRANS_CONFIRM_STATUS: must be true in production (the notification signature does not cover transaction_status)"
        ]
      : [])
  ]
}

/** Printed at start: configurations that are allowed but weaker than the default. */
export const startWarnings = (config: AppConfig): Array<string> => [
  ...(config.midtransConfirmStatus
    ? []
    : [
        "  WARNING: MIDTRANS_CONFIRM_STATUS=false — notifications are not confirmed with the status API; only what their signature covers is applied (a settlement of a pending order); refunds, chargebacks and failures wait for reconciliation"
      ])
]
