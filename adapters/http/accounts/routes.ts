import { Effect } from "effect"
import * as Accounts from "../../../application/accounts/useCases.ts"
import { ok, route } from "../route.ts"
import { Nothing, Session, User } from "../responses.ts"
import { LoginBody, PasswordBody, ProfileBody, RefreshBody, RegisterBody } from "./schemas.ts"

const sessionData = (s: Accounts.Session) => ({
  user: s.user,
  accessToken: s.accessToken,
  accessTokenExpiresAt: s.accessTokenExpiresAt,
  refreshToken: s.refreshToken,
  tokenType: "Bearer" as const
})

export const authRoutes = [
  route({
    method: "post",
    path: "/api/auth/register",
    summary: "Create an account and start a session",
    tag: "auth",
    access: "public",
    response: Session,
    body: RegisterBody,
    handle: ({ body, clientAddress }) =>
      Effect.map(Accounts.register({ ...body, clientAddress }), (s) => ok("Registered", sessionData(s), 201))
  }),
  route({
    method: "post",
    path: "/api/auth/login",
    summary: "Log in (rate-limited per account and client address)",
    tag: "auth",
    access: "public",
    response: Session,
    body: LoginBody,
    handle: ({ body, clientAddress }) =>
      Effect.map(Accounts.login({ ...body, clientAddress }), (s) => ok("Logged in", sessionData(s)))
  }),
  route({
    method: "post",
    path: "/api/auth/refresh",
    summary: "Rotate a refresh token; reusing a rotated one revokes its family",
    tag: "auth",
    access: "public",
    response: Session,
    body: RefreshBody,
    handle: ({ body }) =>
      Effect.map(Accounts.refreshSession(body.refreshToken), (s) => ok("Token refreshed", sessionData(s)))
  }),
  route({
    method: "post",
    path: "/api/auth/logout",
    summary: "Revoke the session of a refresh token",
    tag: "auth",
    access: "public",
    response: Nothing,
    body: RefreshBody,
    handle: ({ body }) => Effect.as(Accounts.logout(body.refreshToken), ok("Logged out", null))
  }),
  route({
    method: "get",
    path: "/api/auth/profile",
    summary: "The caller's profile",
    tag: "auth",
    access: "user",
    response: User,
    handle: ({ principal }) => Effect.map(Accounts.getProfile(principal.userId), (u) => ok("Profile", u))
  }),
  route({
    method: "put",
    path: "/api/auth/profile",
    summary: "Update name, phone, avatar",
    tag: "auth",
    access: "user",
    response: User,
    body: ProfileBody,
    handle: ({ principal, body }) =>
      Effect.map(Accounts.updateProfile(principal.userId, body), (u) => ok("Profile updated", u))
  }),
  route({
    method: "put",
    path: "/api/auth/password",
    summary: "Change password; other sessions are revoked",
    tag: "auth",
    access: "user",
    response: Nothing,
    body: PasswordBody,
    handle: ({ principal, body }) => Effect.as(Accounts.changePassword(principal, body), ok("Password changed", null))
  })
]
