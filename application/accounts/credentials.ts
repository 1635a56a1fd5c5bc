import { Effect } from "effect"
import { CommonPasswords } from "../ports/commonPasswords.ts"
import { FieldInvalid } from "../shared/errors.ts"

/** One account per address however it is typed: NFKC (full-width and compatibility forms fold), trimmed, lower case. */
export const normalizeEmail = (email: string) => email.normalize("NFKC").trim().toLowerCase()

/** Refuses passwords a guesser tries first: blank, the email itself, or on the common-password list. */
export const checkNewPassword = Effect.fn("Accounts.checkNewPassword")(function* (
  field: string,
  password: string,
  email: string
) {
  const folded = password.normalize("NFKC").trim().toLowerCase()
  const address = normalizeEmail(email)
  if (folded.length === 0) return yield* new FieldInvalid({ field, problem: "must not be only spaces" })
  if (folded === address || folded === address.split("@")[0]) {
    return yield* new FieldInvalid({ field, problem: "must not be your email address" })
  }
  if (yield* (yield* CommonPasswords).isCommon(password)) {
    return yield* new FieldInvalid({ field, problem: "is one of the most common passwords; choose another" })
  }
})
