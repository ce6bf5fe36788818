package platformconn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/oauth2"

	"doorsync/connectors"
	"doorsync/internal/egress"
	"doorsync/store"
)

// ErrUnsupported means this deployment has no connector for the platform.
var ErrUnsupported = errors.New("platformconn: no connector for this platform")

// HostRefusedError means a platform URL names a host this deployment may
// not reach (Options.Egress); nothing was sent to it and nothing was
// stored. Field is "base_url" or "identity_url".
type HostRefusedError struct{ Field, Reason string }

func (e *HostRefusedError) Error() string { return "platformconn: " + e.Field + ": " + e.Reason }

// RefusedError means the platform refused the credentials or failed the
// check while connecting; Reason is safe to show (no secret, no body).
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string { return "the platform refused the connection: " + e.Reason }

// Connect checks cfg's URLs (the platform's public ones where it names
// none) against the allow-list, proves the credentials with the
// connector's Check (one list call), then stores cfg sealed, replacing any
// connection the org had and its sync state. Nothing is stored unless the
// check passes.
func (c *Conns) Connect(ctx context.Context, orgID string, cfg Config) error {
	cfg = cfg.withDefaults()
	if err := c.checkHosts(ctx, cfg); err != nil {
		return err
	}
	connector, err := c.build(cfg)
	if err != nil {
		return err
	}
	if err := connector.Check(ctx); err != nil {
		return &RefusedError{Reason: bounded(reason(err))}
	}
	sealed, err := c.seal(orgID, cfg)
	if err != nil {
		return err
	}
	if err := c.opts.Store.PutPlatformConnection(ctx, store.PlatformConnection{
		OrgID: orgID, Platform: string(cfg.Platform), ConfigEnc: sealed,
	}); err != nil {
		return err
	}
	c.forget(orgID)
	return nil
}

// Disconnect forgets the org's connection and its sync state; the
// entities it wrote stay. ErrNotConnected when it had none.
func (c *Conns) Disconnect(ctx context.Context, orgID string) error {
	err := c.opts.Store.DeletePlatformConnection(ctx, orgID)
	c.forget(orgID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotConnected
	}
	return err
}

// Status is what an operator sees of a connection: never a secret.
type Status struct {
	Platform    connectors.Platform
	Connected   bool
	ConnectedAt *time.Time
	Sync        store.PlatformSync
}

// Status reads the org's connection and sync state from the store,
// without calling the platform (OfficeRnD's token endpoint is scarce); a
// zero Status when the org has none.
func (c *Conns) Status(ctx context.Context, orgID string) (Status, error) {
	conn, err := c.opts.Store.GetPlatformConnection(ctx, orgID)
	if errors.Is(err, store.ErrNotFound) {
		return Status{Sync: store.PlatformSync{Counts: map[string]int{}, Watermarks: map[string]time.Time{}}}, nil
	}
	if err != nil {
		return Status{}, err
	}
	at := conn.ConnectedAt
	return Status{Platform: connectors.Platform(conn.Platform), Connected: true, ConnectedAt: &at, Sync: conn.Sync}, nil
}

// checkHosts checks each URL against the allow-list, resolving its host:
// https (unless an entry allows plain http), on the list, no internal
// address unless an entry names it.
func (c *Conns) checkHosts(ctx context.Context, cfg Config) error {
	for _, u := range cfg.urls() {
		var re *egress.RefusedError
		if err := c.opts.Egress.CheckURL(ctx, u.url); errors.As(err, &re) {
			return &HostRefusedError{Field: u.field, Reason: re.Reason}
		} else if err != nil {
			return fmt.Errorf("platformconn: check %s: %w", u.field, err)
		}
	}
	return nil
}

// reason says why the check failed without the platform's message or body:
// what kind of failure, and for a token refusal the HTTP status and OAuth
// error code.
func reason(err error) string {
	var (
		throttled *connectors.ThrottledError
		tokenErr  *oauth2.RetrieveError
		egErr     *egress.RefusedError
	)
	switch {
	case errors.As(err, &egErr):
		return "not allowed to connect: " + egErr.Reason
	case errors.As(err, &tokenErr):
		s := "the token request failed"
		if tokenErr.Response != nil {
			s += fmt.Sprintf(" (HTTP %d)", tokenErr.Response.StatusCode)
		}
		if tokenErr.ErrorCode != "" {
			s += ": " + tokenErr.ErrorCode
		}
		return s
	case errors.Is(err, connectors.ErrUnauthorized):
		return "the platform refused the credentials"
	case errors.As(err, &throttled):
		return fmt.Sprintf("the platform throttled the check; try again after %s", throttled.RetryAfter)
	case errors.Is(err, context.DeadlineExceeded):
		return "the platform did not answer in time"
	default:
		return "the platform could not be reached or answered an error"
	}
}

// maxReasonLen bounds a RefusedError's reason.
const maxReasonLen = 200

// bounded keeps printable characters and at most maxReasonLen of them.
func bounded(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, s)
	if r := []rune(s); len(r) > maxReasonLen {
		s = string(r[:maxReasonLen-1]) + "…"
	}
	return s
}
