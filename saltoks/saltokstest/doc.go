// Package saltokstest is an in-memory fake of the Salto KS identity server
// and Connect API, served over real HTTP, for tests, benchmarks and local
// runs (doorsync fake-salto).
//
// It follows the observed contract (the research notes salto-ks-api.md, §9):
// one listener serves the identity routes (/connect/token with the password,
// refresh_token and authorization_code+PKCE grants, /connect/authorize,
// /.well-known/openid-configuration) and the Connect routes under both /v1.1
// and /v1.2 (/v2 answers 403 as measured). Lists use the
// {"items","next_page_link","count"} envelope with $top, $skip, $filter (eq,
// and, contains, paths such as user/email), $orderby and $inlinecount;
// errors are {"ErrorCode","Message"}. It keeps the behaviours a client must
// cope with: both ids of a site user (a site-user id where the platform id
// belongs is 404 2202), seat limits (a create beyond them yields a
// suspended user), an optional eventual-consistency window after a user is
// created, invitation e-mails (recorded, never sent), expiring tokens, and
// DELETE of a user answering 202.
//
// Faults (status + ErrorCode, 429 with Retry-After, latency, by probability
// or count) can be injected per route from Go or over HTTP. Routes under
// /__fake/ control the fake and are not part of Salto KS: seed, reset,
// state, faults, requests (per method and route template, for counting API
// calls), emails, config, advance (the clock) and expire-tokens.
//
// All state sits behind one mutex and is indexed by id, e-mail and platform
// id, so large seeds (10,000 users, 200 groups) stay fast.
package saltokstest
