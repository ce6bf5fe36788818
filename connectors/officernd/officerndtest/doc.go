// Package officerndtest is an in-memory fake of OfficeRnD Flex's identity
// server and v2 API, served over real HTTP, for tests, benchmarks and local
// runs.
//
// It is written from the public record (research notes platform-apis.md,
// PART 1 and PART 4), not from doorsync's client: POST /oauth/token
// (form, client_credentials, expires_in 3599, five requests a minute, then
// 429 "Too many requests, please try again later"); the v2 lists under
// /api/v2/organizations/{slug}/ with {results, cursorNext, cursorPrev,
// rangeStart, rangeEnd}, $limit at most 50 (51 → 400, 0 → 20, absent → 50),
// opaque cursors absent when unused, unknown query parameters refused with
// 400 "property X should not exist", the documented filters (field,
// field[$in], date fields' [$gt|$gte|$lt|$lte]), memberships refusing
// modifiedAt, createdAt and $sort (observed), single GETs by id, and the
// NestJS 401 body. Objects carry only the fields the record lists: no
// modification time on locations, plans, visitors or assignments.
//
// What the record leaves open is a switch (ASSUMED in the notes): a list
// rate limit answering 429 with Retry-After, Retry-After on the token
// endpoint's 429, $in on filters the record does not document, modification
// times on assignments, whether memberships refuse modifiedAt, and 5xx for
// the next N calls. Every request is counted per route (Calls), for
// benchmarks against the paging minimum.
//
// Webhooks: Deliver posts the documented envelope {event, eventType,
// data:{object}, createdAt} signed with officernd-signature:
// t=<unix>,signature=<hex HMAC-SHA256(secret, body + "." + t)>; with
// SetWebhooks on, every change to the seed (Add*, Update, Remove) is
// delivered to the configured URL, for the kinds OfficeRnD sends events for
// (member, company, membership, booking, pass; pass.removed does not exist).
//
// Routes under /__fake/ control the fake and are not OfficeRnD's: request
// counts, the webhook target, and adding, patching and removing objects
// (control.go), so a local run (Run, seeded by SeedDemo) can be driven with
// curl.
//
// All state sits behind one mutex; deliveries are sent after it is
// released, so a receiver may call back into the fake.
package officerndtest
