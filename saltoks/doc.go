// Package saltoks is a typed client for the Salto KS Connect API (the "user
// API" that coworking integrations use to manage site users and access-group
// membership).
//
// The contract it follows is the Connect API as observed from public sources
// (the project's research notes, salto-ks-api.md): paths
// /v1.2/sites/{site}/…, snake_case JSON, the list envelope
// {"items","next_page_link","count"} (a bare array is accepted too), and
// {"ErrorCode","Message"} errors with ErrorCode as a string or a number.
//
// Authentication uses golang.org/x/oauth2 against {identity}/connect/token:
// [PasswordToken] for a dedicated system user, [AuthCodeURL] and [ExchangeCode]
// for the authorization-code flow with PKCE. [New] wraps a token in a token
// source that refreshes it (refresh_token grant), hands every new token to
// [Config.OnToken] so the caller can persist it (or, for a token several
// processes share, keeps it in [Config.Tokens], renewing under its lock), and
// on a 401 refreshes once and retries once. Tokens, client secrets and passwords never appear in the
// errors this package returns; the package does not log.
//
// Every site user has two ids: [SiteUser.ID] is the site-user id used for
// /users/{id}; [SiteUser.UserID] is the platform user id that group membership
// takes. Mixing them up answers 404 ErrorCode 2202.
package saltoks
