import { Context, type Effect } from "effect"

/** A maintained list of the passwords people pick most (what an online guesser tries first). */
export interface CommonPasswordsService {
  readonly isCommon: (password: string) => Effect.Effect<boolean>
}
export class CommonPasswords extends Context.Tag("app/CommonPasswords")<CommonPasswords, CommonPasswordsService>() {}
