import { type Schema, SchemaAST } from "effect"
import type { RecordedEvent } from "../../application/ports/eventStore.ts"
import type { Tx } from "./client.ts"

/**
 * An inline read model: the event types it handles and the statements it writes for them. The
 * store runs it in the appending transaction with that append's events of those types (in order);
 * it returns statements pipelined after the event inserts and before COMMIT. A statement that
 * cannot apply its event must raise an error (not just write nothing): the pipelined COMMIT then
 * ends the transaction as a rollback. The composition root (infra/) registers them.
 */
export interface Projection {
  readonly name: string
  readonly handles: ReadonlySet<string>
  readonly project: (tx: Tx, events: ReadonlyArray<RecordedEvent>) => ReadonlyArray<Promise<unknown>>
}

export const projection = (
  name: string,
  handles: ReadonlyArray<string>,
  project: Projection["project"]
): Projection => ({ name, handles: new Set(handles), project })

/** The `_tag`s of a domain event Schema (a tagged struct or a union of them): the types it stores. */
export const eventTypesOf = (events: Schema.Schema.Any): ReadonlyArray<string> => {
  const members = SchemaAST.isUnion(events.ast) ? events.ast.types : [events.ast]
  return members.map((member) => {
    const tag = SchemaAST.getPropertySignatures(member).find((p) => p.name === "_tag")?.type
    if (tag === undefined || !SchemaAST.isLiteral(tag) || typeof tag.literal !== "string")
      throw new Error("an event Schema must be tagged structs")
    return tag.literal
  })
}

/** Each projection's statements for the events it handles, in registration order. */
export const projectAll = (
  projections: ReadonlyArray<Projection>,
  tx: Tx,
  events: ReadonlyArray<RecordedEvent>
): ReadonlyArray<Promise<unknown>> =>
  projections.flatMap((p) => {
    const handled = events.filter((e) => p.handles.has(e.type))
    return handled.length === 0 ? [] : p.project(tx, handled)
  })
