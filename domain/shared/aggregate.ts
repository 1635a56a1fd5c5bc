import type { Schema } from "effect"

/**
 * One aggregate, defined once (Emmett's Decider without the decide: MinisPod's deciders take
 * several states): its events' Schema, its initial state, how an event evolves it and, for hot
 * streams, how its state is stored as a snapshot. Loading and encoding are derived from it.
 */
export interface Aggregate<State, Event extends { readonly _tag: string }, Snapshot = never> {
  readonly event: Schema.Schema<Event, any>
  readonly initial: State
  readonly evolve: (state: State, event: Event) => State
  readonly snapshot?: {
    readonly schema: Schema.Schema<Snapshot, any>
    readonly of: (state: State) => Snapshot
    readonly state: (snapshot: Snapshot) => State
  }
}

/** The state after `events`, folded with the aggregate's own evolve. */
export const fold = <State, Event extends { readonly _tag: string }, Snapshot>(
  aggregate: Aggregate<State, Event, Snapshot>,
  from: State,
  events: Iterable<Event>
): State => {
  let state = from
  for (const event of events) state = aggregate.evolve(state, event)
  return state
}

/** A decision over several aggregates: the events for each (by name), and what it tells its caller. */
export interface Outcome<Events, Result> {
  readonly events: Events
  readonly result: Result
}
