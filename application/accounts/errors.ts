import { Schema } from "effect"

export class InvalidCredentials extends Schema.TaggedError<InvalidCredentials>()("InvalidCredentials", {}) {}

export class TooManyAttempts extends Schema.TaggedError<TooManyAttempts>()("TooManyAttempts", {
  retryAfterSeconds: Schema.Number
}) {}

export class InvalidRefreshToken extends Schema.TaggedError<InvalidRefreshToken>()("InvalidRefreshToken", {
  reason: Schema.Literal("unknown", "expired", "reused")
}) {}

/** The password-hashing queue is full: the caller should retry in a moment. */
export class PasswordWorkBusy extends Schema.TaggedError<PasswordWorkBusy>()("PasswordWorkBusy", {
  retryAfterSeconds: Schema.Number
}) {}
