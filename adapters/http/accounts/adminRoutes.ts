import { Effect } from "effect"
import * as AdminUsers from "../../../application/accounts/admin.ts"
import { ok, route } from "../route.ts"
import { pageOf, Paginated, User, UserDetail, UserStats } from "../responses.ts"
import { IdParams } from "../schemas.ts"
import { AdminCreateUserBody, AdminUsersQuery, ProfileBody, RoleBody } from "./schemas.ts"

const search = (path: string, summary: string) =>
  route({
    method: "get",
    path,
    summary,
    tag: "admin",
    access: "admin",
    query: AdminUsersQuery,
    response: Paginated(User),
    handle: ({ query }) =>
      Effect.map(AdminUsers.searchUsers(query), (p) => ok("Users", pageOf(p.items, p.total, query.page, query.limit)))
  })

export const adminUserRoutes = [
  route({
    method: "get",
    path: "/api/admin/users/stats",
    summary: "User counts",
    tag: "admin",
    access: "admin",
    response: UserStats,
    handle: () => Effect.map(AdminUsers.userStats(), (s) => ok("User stats", s))
  }),
  search("/api/admin/users/search", "Search users by name, email or phone (q), role, active"),
  search("/api/admin/users", "All users (filters as search)"),
  route({
    method: "post",
    path: "/api/admin/users",
    summary: "Create a user (role USER or ADMINISTRATOR)",
    tag: "admin",
    access: "admin",
    response: User,
    body: AdminCreateUserBody,
    handle: ({ body }) => Effect.map(AdminUsers.createUser(body), (u) => ok("User created", u, 201))
  }),
  route({
    method: "get",
    path: "/api/admin/users/:id",
    summary: "A user with their wallet",
    tag: "admin",
    access: "admin",
    response: UserDetail,
    params: IdParams,
    handle: ({ params }) => Effect.map(AdminUsers.userDetail(params.id), (u) => ok("User", u))
  }),
  route({
    method: "put",
    path: "/api/admin/users/:id",
    summary: "Update a user's name, phone, avatar",
    tag: "admin",
    access: "admin",
    response: User,
    params: IdParams,
    body: ProfileBody,
    handle: ({ params, body }) => Effect.map(AdminUsers.updateUser(params.id, body), (u) => ok("User updated", u))
  }),
  route({
    method: "delete",
    path: "/api/admin/users/:id",
    summary: "Deactivate a user (their ledger history stays; sessions end)",
    tag: "admin",
    access: "admin",
    response: User,
    params: IdParams,
    handle: ({ principal, params }) =>
      Effect.map(AdminUsers.setUserActive(principal.userId, params.id, false), (u) => ok("User deactivated", u))
  }),
  route({
    method: "put",
    path: "/api/admin/users/:id/activate",
    summary: "Activate a user",
    tag: "admin",
    access: "admin",
    response: User,
    params: IdParams,
    handle: ({ principal, params }) =>
      Effect.map(AdminUsers.setUserActive(principal.userId, params.id, true), (u) => ok("User activated", u))
  }),
  route({
    method: "put",
    path: "/api/admin/users/:id/deactivate",
    summary: "Deactivate a user; their sessions end",
    tag: "admin",
    access: "admin",
    response: User,
    params: IdParams,
    handle: ({ principal, params }) =>
      Effect.map(AdminUsers.setUserActive(principal.userId, params.id, false), (u) => ok("User deactivated", u))
  }),
  route({
    method: "put",
    path: "/api/admin/users/:id/role",
    summary: "Change a user's role",
    tag: "admin",
    access: "admin",
    response: User,
    params: IdParams,
    body: RoleBody,
    handle: ({ principal, params, body }) =>
      Effect.map(AdminUsers.setUserRole(principal.userId, params.id, body.role), (u) => ok("Role changed", u))
  })
]
