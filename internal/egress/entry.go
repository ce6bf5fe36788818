package egress

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// entry is one allow-listed host.
type entry struct {
	host      string // lower-case, no brackets, no trailing dot
	port      string // "" for any port
	plainHTTP bool
	ip        netip.Addr // valid when host is an IP address
	localhost bool
}

func parseEntry(raw string) (entry, error) {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	bad := func(why string) (entry, error) { return entry{}, fmt.Errorf("allow-list entry %q: %s", raw, why) }
	switch {
	case err != nil || u.Hostname() == "":
		return bad("not a host, host:port or scheme://host[:port]")
	case u.Scheme != "https" && u.Scheme != "http":
		return bad("the scheme must be http or https")
	case u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return bad("only a scheme, a host and a port may be given")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return bad("bad port")
		}
	}
	e := entry{host: normalHost(u.Hostname()), port: u.Port(), plainHTTP: u.Scheme == "http"}
	if ip, err := netip.ParseAddr(e.host); err == nil {
		e.ip = ip.Unmap()
		e.host = e.ip.String()
	}
	e.localhost = e.host == "localhost"
	return e, nil
}

// permitsAddr refuses an internal address unless the entry names it.
func (e entry) permitsAddr(a netip.Addr) error {
	a = a.Unmap()
	switch {
	case e.ip.IsValid() && a == e.ip:
		return nil
	case e.localhost && a.IsLoopback():
		return nil
	case IsInternal(a):
		return refuse("host %s resolves to an internal address", e.host)
	}
	return nil
}
