package access

import (
	"errors"
	"regexp"
	"strings"
	"sync"
	"time"
)

// zones caches loaded time zones; *time.Location values are immutable.
var zones sync.Map

// CheckTimeZone reports whether name is an IANA time-zone name the engine
// accepts. Names time.LoadLocation takes but that are no IANA zone are
// refused, so no zone is read as UTC or as the host's zone by mistake: ""
// (UTC to LoadLocation), "Local" and "localtime" (the host's zone),
// "Factory" and "posixrules" (placeholders), the posix/ and right/ copies
// of the database, and anything that is not shaped like a zone name.
// "UTC" and "Etc/UTC", given explicitly, are zones like any other.
func CheckTimeZone(name string) error {
	_, err := loadZone(name)
	return err
}

// notZones are files of the time-zone database that LoadLocation opens
// but that name no zone a place keeps.
var notZones = map[string]bool{"Local": true, "localtime": true, "Factory": true, "posixrules": true}

// zoneName is the shape of an IANA zone name: "UTC", "Europe/London",
// "America/Argentina/Buenos_Aires", "Etc/GMT+5".
var zoneName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9][A-Za-z0-9_+-]*)*$`)

// loadZone loads and caches an IANA time zone.
func loadZone(name string) (*time.Location, error) {
	if notZones[name] || !zoneName.MatchString(name) ||
		strings.HasPrefix(name, "posix/") || strings.HasPrefix(name, "right/") {
		return nil, errors.New("access: time zone must be an IANA name")
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

// zoneResolver resolves the time zones of one evaluation, remembering
// each name it has looked up (nil for invalid names).
type zoneResolver struct {
	s     *Snapshot
	org   *time.Location
	names map[string]*time.Location
}

func newZoneResolver(s *Snapshot) *zoneResolver {
	z := &zoneResolver{s: s, names: map[string]*time.Location{}}
	z.org = z.lookup(s.Org.TimeZone)
	if z.org == nil {
		z.org = time.UTC
	}
	return z
}

// lookup returns the zone for name, or nil when name is empty or invalid.
func (z *zoneResolver) lookup(name string) *time.Location {
	if name == "" {
		return nil
	}
	if loc, ok := z.names[name]; ok {
		return loc
	}
	loc, _ := loadZone(name)
	z.names[name] = loc
	return loc
}

// location returns the zone of a location: its own, else the org's.
func (z *zoneResolver) location(id string) *time.Location {
	if loc := z.lookup(z.s.Locations[id].TimeZone); loc != nil {
		return loc
	}
	return z.org
}
