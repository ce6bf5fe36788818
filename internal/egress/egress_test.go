package egress

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestIsInternal(t *testing.T) {
	for _, tc := range []struct {
		addr     string
		internal bool
	}{
		{"127.0.0.1", true}, {"127.1.2.3", true}, {"::1", true},
		{"169.254.169.254", true}, {"169.254.0.1", true}, {"fe80::1", true}, {"febf::1", true},
		{"10.0.0.1", true}, {"10.255.255.255", true}, {"172.16.0.1", true}, {"172.31.255.254", true},
		{"192.168.1.1", true}, {"fc00::1", true}, {"fd12:3456::1", true},
		{"100.64.0.1", true}, {"100.127.255.254", true},
		{"0.0.0.0", true}, {"0.1.2.3", true}, {"::", true},
		{"224.0.0.1", true}, {"ff02::1", true}, {"255.255.255.255", true},
		{"::ffff:127.0.0.1", true}, {"::ffff:10.0.0.1", true}, {"::ffff:169.254.169.254", true},
		{"64:ff9b::a00:1", true}, {"64:ff9b::7f00:1", true},
		// Public addresses.
		{"172.15.255.255", false}, {"172.32.0.1", false}, {"100.63.255.255", false}, {"100.128.0.1", false},
		{"8.8.8.8", false}, {"52.28.10.1", false}, {"2a00:1450:4001::1", false}, {"::ffff:8.8.8.8", false},
		{"64:ff9b::808:808", false},
	} {
		if got := IsInternal(netip.MustParseAddr(tc.addr)); got != tc.internal {
			t.Errorf("IsInternal(%s) = %v, want %v", tc.addr, got, tc.internal)
		}
	}
	if !IsInternal(netip.Addr{}) {
		t.Error("the zero address is not internal")
	}
}

func TestParseRefusesBadEntries(t *testing.T) {
	for _, raw := range []string{"ftp://host", "https://host/path", "https://u:p@host", "host:0", "host:99999", "https://", "http://h?x=1"} {
		if _, err := Parse("LIST", []string{raw}); err == nil {
			t.Errorf("Parse accepted %q", raw)
		}
	}
	if _, err := Parse("LIST", []string{"connect.my-clay.com", "https://identity.eu.my-clay.com", "http://127.0.0.1:9999", "[::1]:8443", "localhost"}); err != nil {
		t.Fatal(err)
	}
}

func TestPermits(t *testing.T) {
	p := MustParse("LIST", []string{"connect.my-clay.com", "Identity.EU.my-clay.com:443", "http://127.0.0.1:9999", "https://[::1]:8443"})
	for _, tc := range []struct {
		url    string
		refuse string // "" when permitted
	}{
		{"https://connect.my-clay.com", ""},
		{"https://CONNECT.my-clay.com.:8443/v1.2", ""},
		{"https://identity.eu.my-clay.com", ""},
		{"https://identity.eu.my-clay.com:8443", "not on the allow-list"},
		{"http://connect.my-clay.com", "over https"},
		{"http://127.0.0.1:9999", ""},
		{"https://127.0.0.1:9999", ""},
		{"http://127.0.0.1:9998", "not on the allow-list"},
		{"https://[::1]:8443", ""},
		{"http://[::1]:8443", "over https"},
		{"https://evil.example", "not on the allow-list (LIST)"},
		{"https://connect.my-clay.com.evil.example", "not on the allow-list"},
		{"https://user:pw@connect.my-clay.com", "user info"},
		{"ftp://connect.my-clay.com", "absolute http(s) URL"},
		{"connect.my-clay.com", "absolute http(s) URL"},
		{"https:///x", "absolute http(s) URL"},
	} {
		_, err := p.Permits(tc.url)
		switch {
		case tc.refuse == "" && err != nil:
			t.Errorf("Permits(%s) = %v", tc.url, err)
		case tc.refuse != "" && (err == nil || !strings.Contains(err.Error(), tc.refuse)):
			t.Errorf("Permits(%s) = %v, want a refusal saying %q", tc.url, err, tc.refuse)
		}
		var re *RefusedError
		if err != nil && !errors.As(err, &re) {
			t.Errorf("Permits(%s): %T is not a *RefusedError", tc.url, err)
		}
	}
}

// stubResolver answers from a table; nothing is looked up on the network.
type stubResolver map[string][]string

func (s stubResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, a := range s[host] {
		out = append(out, netip.MustParseAddr(a))
	}
	if len(out) == 0 {
		return nil, errors.New("no such host")
	}
	return out, nil
}

func TestCheckURLRefusesNamesThatResolveInternally(t *testing.T) {
	p := MustParse("LIST", []string{"public.example", "metadata.example", "private.example", "mixed.example",
		"cgnat.example", "v6.example", "gone.example", "localhost", "http://10.1.2.3:8080"})
	p.Resolver = stubResolver{
		"public.example":   {"203.0.113.10"},
		"metadata.example": {"169.254.169.254"},
		"private.example":  {"192.168.0.10"},
		"mixed.example":    {"203.0.113.10", "10.0.0.7"},
		"cgnat.example":    {"100.64.3.4"},
		"v6.example":       {"fd00::5"},
		"localhost":        {"127.0.0.1", "::1"},
	}
	for _, tc := range []struct {
		url    string
		refuse string
	}{
		{"https://public.example", ""},
		{"https://metadata.example", "internal address"},
		{"https://private.example", "internal address"},
		{"https://mixed.example", "internal address"},
		{"https://cgnat.example", "internal address"},
		{"https://v6.example", "internal address"},
		{"https://gone.example", "does not resolve"},
		{"https://localhost:1234", ""}, // listed by name: loopback allowed
		{"http://10.1.2.3:8080", ""},   // listed by address
		{"https://10.1.2.4", "not on the allow-list"},
	} {
		err := p.CheckURL(context.Background(), tc.url)
		switch {
		case tc.refuse == "" && err != nil:
			t.Errorf("CheckURL(%s) = %v", tc.url, err)
		case tc.refuse != "" && (err == nil || !strings.Contains(err.Error(), tc.refuse)):
			t.Errorf("CheckURL(%s) = %v, want a refusal saying %q", tc.url, err, tc.refuse)
		}
	}
}

// TestDialControlRefusesInternalAddresses checks the dialer's Control hook
// itself, with the addresses a rebinding DNS answer could give: nothing is
// dialed.
func TestDialControlRefusesInternalAddresses(t *testing.T) {
	p := MustParse("LIST", []string{"connect.my-clay.com", "localhost", "http://10.1.2.3:8080"})
	control := func(host, port, dialed string) error {
		e, ok := p.match(host, port)
		if !ok {
			t.Fatalf("%s:%s is not on the list", host, port)
		}
		return e.control("tcp", dialed, nil)
	}
	for _, tc := range []struct {
		host, port, dialed string
		ok                 bool
	}{
		{"connect.my-clay.com", "443", "203.0.113.10:443", true},
		{"connect.my-clay.com", "443", "[2a00:1450:4001::1]:443", true},
		{"connect.my-clay.com", "443", "127.0.0.1:443", false},
		{"connect.my-clay.com", "443", "169.254.169.254:443", false},
		{"connect.my-clay.com", "443", "[fe80::1%eth0]:443", false},
		{"connect.my-clay.com", "443", "10.0.0.1:443", false},
		{"connect.my-clay.com", "443", "172.20.0.1:443", false},
		{"connect.my-clay.com", "443", "192.168.1.1:443", false},
		{"connect.my-clay.com", "443", "100.64.0.1:443", false},
		{"connect.my-clay.com", "443", "[fd00::1]:443", false},
		{"connect.my-clay.com", "443", "0.0.0.0:443", false},
		{"connect.my-clay.com", "443", "[::]:443", false},
		{"connect.my-clay.com", "443", "[::ffff:10.0.0.1]:443", false},
		{"localhost", "9999", "127.0.0.1:9999", true},
		{"localhost", "9999", "[::1]:9999", true},
		{"localhost", "9999", "10.0.0.1:9999", false},
		{"10.1.2.3", "8080", "10.1.2.3:8080", true},
	} {
		err := control(tc.host, tc.port, tc.dialed)
		if (err == nil) != tc.ok {
			t.Errorf("control(%s:%s → %s) = %v, want ok=%v", tc.host, tc.port, tc.dialed, err, tc.ok)
		}
	}
}

// TestOpenPolicy checks ParseOpen: any public host over https, internal
// addresses and plain http only when listed. Nothing is dialed: the
// checks run on URLs, a stub resolver and the dialer's Control hook.
func TestOpenPolicy(t *testing.T) {
	p, err := ParseOpen("DOORSYNC_WEBHOOK_ALLOWED_HOSTS", []string{"http://127.0.0.1:9999", "hooks.internal.example"})
	if err != nil {
		t.Fatal(err)
	}
	p.Resolver = stubResolver{
		"receiver.example":       {"203.0.113.10"},
		"rebind.example":         {"10.0.0.7"},
		"localhost":              {"127.0.0.1", "::1"},
		"hooks.internal.example": {"10.0.0.8"},
	}
	for _, tc := range []struct {
		url    string
		refuse string
	}{
		{"https://receiver.example/hook", ""},
		{"https://203.0.113.10/hook", ""},
		{"http://receiver.example/hook", "https"},
		{"https://rebind.example/hook", "internal address"},
		{"https://localhost:8443/hook", "internal address"},
		{"https://127.0.0.1/hook", "internal address"},
		{"https://169.254.169.254/latest", "internal address"},
		{"https://10.1.2.3/hook", "internal address"},
		{"https://[::1]/hook", "internal address"},
		{"https://[::ffff:192.168.0.1]/hook", "internal address"},
		{"http://127.0.0.1:9999/hook", ""},                          // listed: loopback over plain http
		{"http://127.0.0.1:9998/hook", "https"},                     // another port is not listed
		{"https://hooks.internal.example/hook", "internal address"}, // listed by name only: no internal address (an address entry or localhost allows one)
		{"ftp://receiver.example/hook", "absolute http(s) URL"},
		{"https://user:pw@receiver.example/", "user info"},
	} {
		err := p.CheckURL(context.Background(), tc.url)
		switch {
		case tc.refuse == "" && err != nil:
			t.Errorf("CheckURL(%s) = %v", tc.url, err)
		case tc.refuse != "" && (err == nil || !strings.Contains(err.Error(), tc.refuse)):
			t.Errorf("CheckURL(%s) = %v, want a refusal saying %q", tc.url, err, tc.refuse)
		}
	}
	// The dialer of an unlisted host refuses internal addresses whatever
	// DNS answers at connection time.
	e, ok := p.match("receiver.example", "443")
	if !ok {
		t.Fatal("an open policy must match any host")
	}
	for dialed, want := range map[string]bool{"203.0.113.10:443": true, "10.0.0.7:443": false, "127.0.0.1:443": false,
		"169.254.169.254:443": false} {
		if err := e.control("tcp", dialed, nil); (err == nil) != want {
			t.Errorf("control(receiver.example → %s) = %v, want ok=%v", dialed, err, want)
		}
	}
}
