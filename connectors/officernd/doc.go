// Package officernd is doorsync's connector to OfficeRnD Flex's v2 API: an
// OAuth2 client-credentials client that pages the lists a sync reads,
// translates OfficeRnD objects into doorsync entities (the body a PUT
// takes), and verifies and decodes OfficeRnD's webhooks.
//
// It is built from the public record (research notes platform-apis.md,
// PART 1): one token per hour from identity.officernd.com, cached, since the
// token endpoint allows five requests a minute; lists under
// /api/v2/organizations/{slug}/ paged with $limit=50 and $cursorNext until
// cursorNext is absent; modifiedAt[$gte] only where the record documents it
// (members, companies, floors; memberships are observed to refuse it);
// 429 honoured through Retry-After; webhooks signed with
// officernd-signature: t=<unix>,signature=<hex HMAC-SHA256(secret,
// body + "." + t)>.
package officernd
