// Package nexudustest is an in-memory fake of the Nexudus admin REST API,
// served over real HTTP, for tests, benchmarks and local runs.
//
// It follows the public record (docs/…/platform-apis.md PART 2 and PART 4):
// POST /api/token (form only; password and refresh_token grants; a JSON body
// answers unsupported_grant_type), Bearer or Basic auth, the lists under
// /api/spaces, /api/billing and /api/sys with the Records…HasNextPage
// envelope, page/size/orderBy/dir, <Entity>_<Field> filters and
// from_/to_<Entity>_<Field> ranges (YYYY-MM-DDTHH:mm, inclusive, minute
// granularity), single GET by id (the only shape with collections such as
// TeamMembers), batch GET ?id=[1,2], the documented throttle (409, an empty
// body and Retry-After) and signed webhook delivery (a JSON array of one DTO,
// X-Nexudus-Hook-Signature = upper-case hex HMAC-SHA256 of the body).
//
// What the record leaves open is a field of Assumptions, each named ASSUMED,
// so a test can flip it and a real tenant can settle it.
//
// Records are generic JSON objects (M) with Nexudus' PascalCase field names;
// Put, Update and Remove stamp CreatedOn/UpdatedOn from the fake's clock
// (strictly increasing, so each change is a newer version) and, when a
// webhook subscription matches, deliver the change.
package nexudustest
