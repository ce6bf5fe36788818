// Package connectors is the seam between doorsync and the coworking
// platforms it reads (OfficeRnD, Nexudus): one small interface each
// platform's connector implements, and the records it yields.
//
// A connector translates platform objects into doorsync entities in the
// shape the HTTP API takes them (an import line's body, API.md "Space
// entities"), so every record is validated and written by the same code as
// a PUT: internal/write's Record. The platform owns its entities' fields;
// the operator owns a location's salto_site_id and a resource's buffers,
// which a record never carries and a platform write never overwrites.
package connectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"doorsync/access"
)

// Platform names a connector's platform, as the API and the entities'
// source column spell it.
type Platform string

// The platforms doorsync connects to.
const (
	OfficeRnD Platform = "officernd"
	Nexudus   Platform = "nexudus"
)

// Record is one doorsync entity as the platform has it.
type Record struct {
	Kind access.Kind `json:"kind"`
	ID   string      `json:"id"`
	// Body is the entity as PUT /v1/orgs/{org}/{kind}/{id} takes it,
	// without salto_site_id or buffers (operator-owned), with "version":
	// the platform's modification time in Unix milliseconds, the latest
	// of the platform objects the record is built from.
	Body json.RawMessage `json:"body"`
	// SourceID is the platform object behind the record (its id as the
	// platform spells it), named by explain.
	SourceID string `json:"source_id"`
	// ReadAt is when the oldest platform data the record is built from was
	// read (a request's send time, a cache's fill time, a webhook payload's
	// event time), set by the connector; zero when unknown. A read is newer
	// than a row doorsync wrote before it, whatever the versions say
	// (write.Record), so ReadAt must never be later than its data.
	ReadAt time.Time `json:"-"`
}

// Ref names an entity by kind and id.
type Ref struct {
	Kind access.Kind `json:"kind"`
	ID   string      `json:"id"`
}

// Stream is one list a sync reads, page by page.
type Stream struct {
	Name string `json:"name"`
	// Kinds are the doorsync kinds its records have. A full read of the
	// stream is the platform's whole set of those kinds: what doorsync
	// holds from this platform of these kinds and the stream did not
	// yield, the platform no longer has.
	Kinds []access.Kind `json:"kinds"`
	// Incremental says the platform filters this list by modification
	// time, so a sync may read only what changed since a watermark.
	Incremental bool `json:"incremental"`
}

// Page is one page of a stream.
type Page struct {
	Records []Record
	// Deleted are entities the page says the platform removed (a
	// cancelled booking, an archived member), for platforms that list
	// them.
	Deleted []Ref
	// Next is the cursor of the next page; "" after the last one.
	Next string
	// Calls counts the platform requests the page took (tokens included).
	Calls int
}

// Changes are what a webhook delivery says happened.
type Changes struct {
	Upserts []Record
	Deletes []Ref
	// Calls counts the platform requests decoding took (a re-fetch by id).
	Calls int
}

// Connector reads one org's platform account.
type Connector interface {
	Platform() Platform
	// Streams are the lists a full sync reads, in the order their
	// records must be written (locations before floors, members before
	// memberships), so references resolve as they arrive.
	Streams() []Stream
	// Page reads one page of stream: the first when cursor is "". With
	// since set, only what changed at or after it (Incremental streams
	// only).
	Page(ctx context.Context, stream string, since *time.Time, cursor string) (Page, error)
	// Check proves the credentials work with one list call.
	Check(ctx context.Context) error
	// VerifyWebhook checks a delivery's signature (and its age, where the
	// platform signs a time) against the connection's webhook secret; an
	// unsigned, badly signed or stale delivery is ErrBadSignature.
	VerifyWebhook(h http.Header, body []byte, now time.Time) error
	// Webhook turns a verified delivery into changes, fetching by id what
	// the delivery does not carry.
	Webhook(ctx context.Context, h http.Header, body []byte) (Changes, error)
}

// ErrBadSignature is an unsigned, badly signed or stale webhook delivery.
var ErrBadSignature = errors.New("connectors: webhook signature missing, invalid or stale")

// ErrUnauthorized is the platform refusing the credentials.
var ErrUnauthorized = errors.New("connectors: the platform refused the credentials")

// ThrottledError is the platform asking to wait (OfficeRnD's 429, Nexudus'
// 409) longer than the client waits by itself; the caller retries after
// RetryAfter.
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("connectors: the platform throttled the request; retry after %s", e.RetryAfter)
}
