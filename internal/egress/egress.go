// Package egress decides which hosts doorsync's outbound HTTP requests may
// reach: a deployment allow-list, https unless a host is allow-listed as
// plain http, and no internal address (loopback, link-local, private,
// CGNAT, unspecified) unless the allow-list names that address. A URL is
// checked when it is accepted (CheckURL) and every connection again, on the
// resolved address, by the dialer of Policy.Client, so a DNS answer that
// changes in between (rebinding) cannot get around the check.
//
// The Salto KS connection uses it with DOORSYNC_SALTO_ALLOWED_HOSTS;
// webhooks use an open policy (ParseOpen: any public host over https)
// with DOORSYNC_WEBHOOK_ALLOWED_HOSTS; platform connectors are meant to
// reuse it with their own lists.
package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// RefusedError says why a URL or a connection was refused. Its message
// names the host, never a path or query.
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string { return "egress: " + e.Reason }

func refuse(format string, args ...any) error {
	return &RefusedError{Reason: fmt.Sprintf(format, args...)}
}

// Resolver looks names up; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Policy is an allow-list of hosts. It is safe for concurrent use.
type Policy struct {
	// Name names the list in refusals, e.g. "DOORSYNC_SALTO_ALLOWED_HOSTS".
	Name    string
	entries []entry
	// open lets any host not on the list through, over https and to
	// public addresses only (ParseOpen).
	open bool
	// Resolver resolves names for CheckURL; nil means net.DefaultResolver.
	Resolver Resolver
}

// Parse builds a policy named name from allow-list entries. An entry is a
// host ("connect.my-clay.com": https, any port), a host and port
// ("connect.my-clay.com:8443"), or either behind a scheme: "https://…", or
// "http://…" to allow plain http too ("http://127.0.0.1:9999"). A host may
// be an IP address ("[::1]:9999" for IPv6) or "localhost"; only such
// entries let requests reach an internal address: an IP entry that one
// address, "localhost" the loopback addresses.
func Parse(name string, list []string) (*Policy, error) {
	p := &Policy{Name: name}
	var errs []error
	for _, raw := range list {
		e, err := parseEntry(raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.entries = append(p.entries, e)
	}
	return p, errors.Join(errs...)
}

// ParseOpen is Parse for a policy that also lets any other host through,
// over https and only to public addresses: the list then serves to let
// requests reach internal addresses, or use plain http, which only its
// entries may (webhooks: DOORSYNC_WEBHOOK_ALLOWED_HOSTS).
func ParseOpen(name string, list []string) (*Policy, error) {
	p, err := Parse(name, list)
	p.open = true
	return p, err
}

// MustParseOpen is ParseOpen for lists known to be valid; it panics
// otherwise.
func MustParseOpen(name string, list []string) *Policy {
	p, err := ParseOpen(name, list)
	if err != nil {
		panic(err)
	}
	return p
}

// MustParse is Parse for lists known to be valid; it panics otherwise.
func MustParse(name string, list []string) *Policy {
	p, err := Parse(name, list)
	if err != nil {
		panic(err)
	}
	return p
}

// With returns a copy of p that also allows list's entries.
func (p *Policy) With(list ...string) (*Policy, error) {
	extra, err := Parse(p.Name, list)
	if err != nil {
		return nil, err
	}
	out := *p
	out.entries = append(append([]entry(nil), p.entries...), extra.entries...)
	return &out, nil
}

// Permits checks raw against the list without resolving it: an absolute
// http(s) URL without user info, its host on the list, https unless the
// host is listed as plain http. It returns the parsed URL.
func (p *Policy) Permits(raw string) (*url.URL, error) {
	u, _, err := p.permits(raw)
	return u, err
}

// CheckURL is Permits, then resolves the host and refuses it when any of
// its addresses is internal (unless the list names that address).
func (p *Policy) CheckURL(ctx context.Context, raw string) error {
	u, e, err := p.permits(raw)
	if err != nil {
		return err
	}
	addrs, err := p.resolve(ctx, e, u.Hostname())
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if err := e.permitsAddr(a); err != nil {
			return err
		}
	}
	return nil
}

func (p *Policy) permits(raw string) (*url.URL, entry, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, entry{}, refuse("must be an absolute http(s) URL")
	}
	if u.User != nil {
		return nil, entry{}, refuse("must not carry user info")
	}
	host, port := normalHost(u.Hostname()), u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	e, ok := p.match(host, port)
	if !ok {
		return nil, entry{}, refuse("host %s is not on the allow-list (%s)", hostPort(host, port), p.Name)
	}
	if u.Scheme == "http" && !e.plainHTTP {
		return nil, entry{}, refuse("host %s must be reached over https", host)
	}
	return u, e, nil
}

func (p *Policy) match(host, port string) (entry, bool) {
	for _, e := range p.entries {
		if e.host == host && (e.port == "" || e.port == port) {
			return e, true
		}
	}
	if p.open {
		// Any host, https only, public addresses only: an IP address is
		// resolved to itself and checked like any other.
		return entry{host: host}, true
	}
	return entry{}, false
}

func (p *Policy) resolve(ctx context.Context, e entry, host string) ([]netip.Addr, error) {
	if e.ip.IsValid() {
		return []netip.Addr{e.ip}, nil
	}
	if a, err := netip.ParseAddr(host); err == nil { // an address is itself
		return []netip.Addr{a}, nil
	}
	r := p.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return nil, refuse("host %s does not resolve", host)
	}
	return addrs, nil
}

func hostPort(host, port string) string {
	if port == "" {
		return host
	}
	return net.JoinHostPort(host, port)
}

// normalHost lower-cases a host and drops a trailing dot.
func normalHost(h string) string { return strings.TrimSuffix(strings.ToLower(h), ".") }
