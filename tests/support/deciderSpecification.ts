import { Either } from "effect"
import { expect } from "vitest"

/**
 * An aggregate as its tests see it: the pure decision, the fold, and where the fold starts.
 * `Output` is usually the events to append; multi-stream decisions return their outcome.
 */
export interface Decider<Command, Event, State, Output, Failure> {
  readonly decide: (command: Command, state: State) => Either.Either<Output, Failure>
  readonly evolve: (state: State, event: Event) => State
  readonly initialState: State
}

/** A typed error's tag and fields, without the Error machinery (stack, message). */
const fieldsOf = (error: unknown): unknown =>
  error !== null && typeof error === "object" ? { ...error, _tag: (error as { _tag?: unknown })._tag } : error

/**
 * Given/when/then over a decider, after Emmett's DeciderSpecification:
 *
 *   given([TopUpCredited…]).when(ChargeWallet…).then([WalletCharged…])
 *   given([]).when(ChargeWallet…).then(new InsufficientCredit({ … }))
 *
 * `then` with an Error instance expects that exact failure (tag and every field); with anything
 * else, exactly that output. Events of `given` are folded with the decider's own evolve, so the
 * tests also pin what evolve keeps of each event.
 */
export const deciderSpecification = <Command, Event, State, Output, Failure>(
  decider: Decider<Command, Event, State, Output, Failure>
) => ({
  given: (events: ReadonlyArray<Event>) => {
    const state = events.reduce(decider.evolve, decider.initialState)
    return {
      when: (command: Command) => {
        const decision = decider.decide(command, state)
        return {
          then: (expected: Output | Failure): void => {
            if (expected instanceof Error) {
              if (Either.isRight(decision))
                expect.fail(`expected ${JSON.stringify(fieldsOf(expected))}, decided ${JSON.stringify(decision.right)}`)
              expect(fieldsOf(decision.left)).toEqual(fieldsOf(expected))
            } else {
              if (Either.isLeft(decision))
                expect.fail(`expected a decision, failed with ${JSON.stringify(fieldsOf(decision.left))}`)
              expect(decision.right).toEqual(expected)
            }
          },
          /** The decision, for the rare test that checks a property of it rather than all of it. */
          decision
        }
      }
    }
  }
})
