package nexudus

import "doorsync/access"

// locationTimeZone is a business's time zone as doorsync takes it (an IANA
// name), or "" for the org's. ASSUMED: the record names no time-zone field
// of a business; doorsync reads TimeZone, and since Nexudus runs on .NET,
// also accepts the common Windows zone ids (CLDR's primary mapping).
func locationTimeZone(tz string) string {
	if iana, ok := windowsZones[tz]; ok {
		tz = iana
	}
	if tz == "" || access.CheckTimeZone(tz) != nil {
		return ""
	}
	return tz
}

var windowsZones = map[string]string{
	"UTC":                            "Etc/UTC",
	"GMT Standard Time":              "Europe/London",
	"Greenwich Standard Time":        "Atlantic/Reykjavik",
	"W. Europe Standard Time":        "Europe/Berlin",
	"Romance Standard Time":          "Europe/Paris",
	"Central Europe Standard Time":   "Europe/Budapest",
	"Central European Standard Time": "Europe/Warsaw",
	"GTB Standard Time":              "Europe/Bucharest",
	"FLE Standard Time":              "Europe/Kiev",
	"Eastern Standard Time":          "America/New_York",
	"Central Standard Time":          "America/Chicago",
	"Mountain Standard Time":         "America/Denver",
	"Pacific Standard Time":          "America/Los_Angeles",
	"E. South America Standard Time": "America/Sao_Paulo",
	"Arabian Standard Time":          "Asia/Dubai",
	"India Standard Time":            "Asia/Calcutta",
	"Singapore Standard Time":        "Asia/Singapore",
	"Tokyo Standard Time":            "Asia/Tokyo",
	"AUS Eastern Standard Time":      "Australia/Sydney",
	"South Africa Standard Time":     "Africa/Johannesburg",
}
