package egress

import "net/netip"

// internalPrefixes are ranges netip.Addr has no predicate for.
var internalPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and the broadcast address
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use IPv4/IPv6 translation
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("100::/64"),       // discard-only
}

// nat64 is the well-known NAT64 prefix: its addresses stand for the IPv4
// address in their last 32 bits.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// IsInternal reports whether a is an address outbound requests must not
// reach unless allow-listed: loopback, link-local (169.254.0.0/16,
// fe80::/10), private (10/8, 172.16/12, 192.168/16, fc00::/7), CGNAT
// (100.64/10), unspecified (0.0.0.0, ::), multicast, reserved ranges, and
// IPv4-mapped or NAT64 forms of any of them. An invalid address is
// internal.
func IsInternal(a netip.Addr) bool {
	if !a.IsValid() {
		return true
	}
	a = a.Unmap()
	if nat64.Contains(a) {
		b := a.As16()
		return IsInternal(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
	}
	if a.IsLoopback() || a.IsPrivate() || a.IsUnspecified() || a.IsLinkLocalUnicast() ||
		a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() || a.IsMulticast() {
		return true
	}
	for _, p := range internalPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
