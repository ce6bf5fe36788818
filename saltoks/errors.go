package saltoks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ErrorCode values observed on the Connect API (reference §4.4).
const (
	CodeBadRequest = "1100" // generic bad request, e.g. a site UID where the UUID belongs
	CodeValidation = "1101" // body validation failed
	CodeBadQuery   = "1102" // invalid OData option, e.g. an unknown $orderby field
	CodeNotFound   = "2202" // "User not found" and other missing entities
	CodeForbidden  = "2203" // no permission on this user, or still provisioning
	CodeOTP        = "3102" // otp_invalid / otp_blocked
)

// ErrAuth is matched (errors.Is) by every error meaning the account's
// credentials no longer work: the identity server refused the refresh token
// or the password, or the API still answered 401 after a fresh token. A
// caller should mark the connection broken and ask the operator to
// reconnect; retrying will not help.
var ErrAuth = errors.New("saltoks: authentication failed")

// ErrResponseTooLarge means an answer's body was longer than
// Config.MaxResponseBytes; it was not read to the end.
var ErrResponseTooLarge = errors.New("saltoks: response body too large")

// ErrTooManyPages means a listing had more pages than Config.MaxPages.
var ErrTooManyPages = errors.New("saltoks: listing has too many pages")

// ErrPageLoop means a listing's next_page_link pointed back to a page
// already followed.
var ErrPageLoop = errors.New("saltoks: next_page_link points to a page already followed")

// ErrSuspended is matched (errors.Is) by a *SuspendedError.
var ErrSuspended = errors.New("saltoks: site user is suspended")

// Error is a non-2xx answer from the Connect API (or a 429/5xx from the
// identity server). It never carries a token or a secret.
type Error struct {
	// Status is the HTTP status.
	Status int
	// Code is the body's ErrorCode (a number is turned into its decimal
	// string), or the OAuth "error" of an identity answer; empty if none.
	Code string
	// Message is the body's Message (or title/detail, error_description).
	Message string
	// RetryAfter is the parsed Retry-After header; zero if absent.
	RetryAfter time.Duration
	// Method and Path name the request (path without query).
	Method string
	Path   string
}

// Error describes the failure.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("saltoks: ")
	if e.Method != "" {
		b.WriteString(e.Method + " " + e.Path + ": ")
	}
	fmt.Fprintf(&b, "%d %s", e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		b.WriteString(" (ErrorCode " + e.Code + ")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RetryAfter > 0 {
		b.WriteString(" (retry after " + e.RetryAfter.String() + ")")
	}
	return b.String()
}

// Is makes a 401 match ErrAuth.
func (e *Error) Is(target error) bool {
	return target == ErrAuth && e.Status == http.StatusUnauthorized
}

// AuthError is a refusal by the identity server (invalid_grant,
// invalid_client, …) or a token that cannot be renewed at all. It matches
// ErrAuth. It never carries a token, a secret or a password.
type AuthError struct {
	// Op is what was attempted: "password grant", "refresh", "code exchange".
	Op string
	// Status is the identity server's HTTP status, 0 if no request was made.
	Status int
	// Code is the OAuth error, e.g. "invalid_grant", or "no_refresh_token".
	Code string
	// Description is the server's error_description, secrets scrubbed.
	Description string
}

// Error describes the failure.
func (e *AuthError) Error() string {
	s := "saltoks: " + e.Op + ": authentication failed: " + e.Code
	if e.Status != 0 {
		s += fmt.Sprintf(" (status %d)", e.Status)
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// Is makes an AuthError match ErrAuth.
func (e *AuthError) Is(target error) bool { return target == ErrAuth }

// SuspendedError reports a site user whose subscription_state is not
// "subscribed" after CreateUser, typically because the site ran out of
// seats: the user exists but no key of theirs opens anything. CreateUser
// returns it together with the user.
type SuspendedError struct {
	SiteID     string
	SiteUserID string
	UserID     string
	// State is the subscription_state seen, e.g. "suspended".
	State string
}

// Error describes the condition.
func (e *SuspendedError) Error() string {
	return fmt.Sprintf("saltoks: site user %s on site %s is %s (the site may be out of seats)", e.SiteUserID, e.SiteID, e.State)
}

// Is makes a SuspendedError match ErrSuspended.
func (e *SuspendedError) Is(target error) bool { return target == ErrSuspended }

// transportError is a request that got no HTTP answer (dial, timeout, reset).
type transportError struct {
	method, path string
	err          error
}

func (e *transportError) Error() string {
	return "saltoks: " + e.method + " " + e.path + ": " + e.err.Error()
}

func (e *transportError) Unwrap() error { return e.err }

// IsNotFound reports whether err is a 404 (ErrorCode 2202 and the like).
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsConflict reports whether err is a 409.
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

// IsRateLimited reports whether err is a 429, and the Retry-After it carried
// (zero when the server sent none).
func IsRateLimited(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusTooManyRequests {
		return e.RetryAfter, true
	}
	return 0, false
}

// IsRetryable reports whether repeating the request later may succeed: a
// 408, 429 or 5xx answer, or a transport error (other than the caller's own
// cancellation).
func IsRetryable(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Status == http.StatusRequestTimeout || e.Status == http.StatusTooManyRequests || e.Status >= 500
	}
	var te *transportError
	if errors.As(err, &te) {
		return !errors.Is(err, context.Canceled)
	}
	return false
}

// IsRefused reports whether Salto KS answered with a 4xx that repeating
// the same request will not change: the request itself was refused (400,
// 403, 409, 422, …). Not a refusal: 401 (the credentials, see ErrAuth), 404
// (missing, or a user still being provisioned), 408 and 429 (retryable).
func IsRefused(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Status < 400 || e.Status >= 500 {
		return false
	}
	switch e.Status {
	case http.StatusUnauthorized, http.StatusNotFound, http.StatusRequestTimeout, http.StatusTooManyRequests:
		return false
	}
	return true
}

// IsAuthError reports whether err means the credentials no longer work
// (see ErrAuth).
func IsAuthError(err error) bool { return errors.Is(err, ErrAuth) }

func hasStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}

// errorBody is the union of the error bodies seen: Connect
// {"ErrorCode","Message"}, RFC 7807 {"title","detail"} and OAuth
// {"error","error_description"}.
type errorBody struct {
	ErrorCode        json.RawMessage `json:"ErrorCode"`
	Message          string          `json:"Message"`
	Title            string          `json:"title"`
	Detail           string          `json:"detail"`
	OAuthError       string          `json:"error"`
	ErrorDescription string          `json:"error_description"`
}

// newError builds the Error for a non-2xx answer.
func newError(method, path string, resp *http.Response, body []byte) *Error {
	e := &Error{
		Status:     resp.StatusCode,
		Method:     method,
		Path:       path,
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
	var eb errorBody
	if json.Unmarshal(body, &eb) != nil {
		return e
	}
	e.Code = brief(errorCode(eb.ErrorCode), maxCodeLen)
	e.Message = brief(firstNonEmpty(eb.Message, eb.Detail, eb.Title, eb.ErrorDescription), MaxMessageLen)
	if e.Code == "" {
		e.Code = brief(eb.OAuthError, maxCodeLen)
	}
	return e
}

// MaxMessageLen bounds the remote's message kept in an Error or AuthError.
const MaxMessageLen = 200

const maxCodeLen = 40

// brief makes a remote's text safe to show: printable characters only
// (others become spaces, runs of spaces one), trimmed, and at most n
// characters (cut ones end in "…").
func brief(s string, n int) string {
	var b strings.Builder
	count, space := 0, false
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			space = count > 0
			continue
		}
		if count >= n {
			b.WriteString("…")
			break
		}
		if space {
			b.WriteByte(' ')
			count, space = count+1, false
		}
		b.WriteRune(r)
		count++
	}
	return b.String()
}

// errorCode accepts ErrorCode as a JSON string or a JSON number.
func errorCode(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// MaxRetryAfter bounds the Retry-After doorsync honours: a longer one (an
// hour, a date next week) is waited out 5 minutes at a time, so a
// misbehaving Salto KS cannot hold a revocation back for longer than that
// between attempts.
const MaxRetryAfter = 5 * time.Minute

// parseRetryAfter reads delay-seconds or an HTTP date, at most
// MaxRetryAfter; zero if absent or bad.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, MaxRetryAfter.Seconds()) * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), MaxRetryAfter)
	}
	return 0
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
