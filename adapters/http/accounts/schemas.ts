import { Schema } from "effect"
import { Role } from "../../../application/ports/users.ts"
import { Locale } from "../../../domain/notification/index.ts"
import { BoolFromString, PageQuery, trimmed } from "../schemas.ts"

export const Email = Schema.Trim.pipe(
  Schema.maxLength(254),
  // Invisible characters (zero-width spaces and joiners, BOM, soft hyphen) make look-alike accounts.
  Schema.filter((s) => !/[\p{Cc}\p{Cf}]/u.test(s), {
    message: () => "must not contain invisible or control characters"
  }),
  Schema.pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: () => "must be an email address" }),
  Schema.annotations({ description: "email address", examples: ["ayu@example.com"] })
)

export const Password = Schema.String.pipe(
  Schema.minLength(8, { message: () => "must be at least 8 characters" }),
  Schema.maxLength(128)
)

export const Phone = Schema.Trim.pipe(
  Schema.pattern(/^\+?[0-9]{8,15}$/, { message: () => "must be 8-15 digits, optionally starting with +" })
)

export const RegisterBody = Schema.Struct({
  name: trimmed(1, 100),
  email: Email,
  password: Password,
  phone: Schema.optional(Phone),
  /** Notifications and mails are written in it; Indonesian unless asked otherwise. */
  locale: Schema.optional(Locale.annotations({ description: "id (Bahasa Indonesia, the default) or en" }))
})

export const LoginBody = Schema.Struct({
  email: Email,
  password: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(128))
})

export const RefreshBody = Schema.Struct({
  refreshToken: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))
})

export const ProfileBody = Schema.Struct({
  name: Schema.optional(trimmed(1, 100)),
  phone: Schema.optional(Schema.NullOr(Phone)),
  avatar: Schema.optional(
    Schema.NullOr(
      Schema.String.pipe(
        Schema.maxLength(2048),
        Schema.pattern(/^https?:\/\/\S+$/, { message: () => "must be an http(s) URL" })
      )
    )
  ),
  locale: Schema.optional(Locale.annotations({ description: "id or en: the language of notifications and mails" }))
})

export const PasswordBody = Schema.Struct({
  currentPassword: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(128)),
  newPassword: Password
})

export const AdminUsersQuery = Schema.Struct({
  ...PageQuery,
  q: Schema.optional(Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(100))),
  role: Schema.optional(Role),
  isActive: Schema.optional(BoolFromString)
})

export const AdminCreateUserBody = Schema.Struct({
  ...RegisterBody.fields,
  role: Schema.optionalWith(Role, { default: () => "USER" as const })
})

export const RoleBody = Schema.Struct({ role: Role })
