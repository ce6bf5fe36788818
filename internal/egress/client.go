package egress

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// Client returns an HTTP client bound by the policy: its dialer connects
// only to allow-listed hosts and, through net.Dialer.Control, only to the
// addresses the policy permits for them, whatever DNS answers at that
// moment; redirects are checked like URLs (Permits). It uses no proxy.
func (p *Policy) Client(timeout time.Duration) *http.Client {
	t := &http.Transport{
		Proxy:             nil,
		DialContext:       p.DialContext,
		ForceAttemptHTTP2: true,
		MaxIdleConns:      100,
		// Salto KS is one host for every org: the default of 2 idle
		// connections per host would close most connections after each
		// call when many are in flight, and dial (and shake hands over
		// TLS) anew for the next.
		MaxIdleConnsPerHost:   100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: t, Timeout: timeout, CheckRedirect: p.checkRedirect}
}

func (p *Policy) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("egress: stopped after 10 redirects")
	}
	_, err := p.Permits(req.URL.String())
	return err
}

// DialContext connects to addr ("host:port") if the host is on the list,
// with a dialer whose Control refuses every resolved address the policy
// does not permit for that host.
func (p *Policy) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, refuse("bad address to dial")
	}
	e, ok := p.match(normalHost(host), port)
	if !ok {
		return nil, refuse("host %s is not on the allow-list (%s)", hostPort(normalHost(host), port), p.Name)
	}
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: e.control}
	return d.DialContext(ctx, network, addr)
}

// control runs just before each connect, on the address actually dialed.
func (e entry) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return refuse("bad address to dial")
	}
	return e.permitsAddr(ap.Addr())
}
