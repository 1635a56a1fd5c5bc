import { Config, ConfigError, Either, Option } from "effect"

const units: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }

/**
 * The earlier version's token lifetimes ("15m", "24h", "7d": jsonwebtoken's `expiresIn`) in
 * seconds. A bare number is refused: jsonwebtoken reads "900" as milliseconds, a trap.
 */
export const parseSeedDuration = (text: string): number | undefined => {
  const match = /^(\d{1,9})\s*(s|m|h|d|w)$/.exec(text.trim())
  const seconds = match ? Number(match[1]) * units[match[2]!]! : 0
  return seconds > 0 ? seconds : undefined
}

const seedDuration = (name: string) =>
  Config.string(name).pipe(
    Config.mapOrFail((text) => {
      const seconds = parseSeedDuration(text)
      return seconds === undefined
        ? Either.left(ConfigError.InvalidData([], "must be a positive duration with a unit, like 15m, 24h or 7d"))
        : Either.right(seconds)
    })
  )

/**
 * A lifetime in seconds from our variable (whole seconds) or the earlier version's (a duration);
 * both set must agree, so neither silently wins.
 */
export const tokenLifetime = (name: string, seedName: string, fallback: number) =>
  Config.all([
    Config.option(
      Config.integer(name).pipe(Config.validate({ message: "must be a positive integer", validation: (n) => n > 0 }))
    ),
    Config.option(seedDuration(seedName))
  ]).pipe(
    Config.validate({
      message: `${name} and ${seedName} (its earlier name) are both set and disagree`,
      validation: ([ours, seeds]) => Option.isNone(ours) || Option.isNone(seeds) || ours.value === seeds.value
    }),
    Config.map(([ours, seeds]) =>
      Option.getOrElse(
        Option.orElse(ours, () => seeds),
        () => fallback
      )
    )
  )
