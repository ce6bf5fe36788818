package nexudus

import (
	"strings"
	"time"
)

// The Nexudus records the connector reads, with only the fields it uses
// (platform-apis.md §2.4; names are the DOC ones).

// base is on every entity.
type base struct {
	ID        int    `json:"Id"`
	UpdatedOn string `json:"UpdatedOn"`
}

type business struct {
	base
	Name string `json:"Name"`
	// TimeZone is ASSUMED (locationTimeZone).
	TimeZone string `json:"TimeZone"`
}

type floorPlan struct {
	base
	BusinessID int    `json:"BusinessId"`
	Name       string `json:"Name"`
}

type desk struct {
	base
	FloorPlanID         int    `json:"FloorPlanId"`
	FloorPlanBusinessID int    `json:"FloorPlanBusinessId"`
	Name                string `json:"Name"`
}

type resource struct {
	base
	BusinessID int    `json:"BusinessId"`
	Name       string `json:"Name"`
}

type tariff struct {
	base
	Name string `json:"Name"`
}

type team struct {
	base
	Name string `json:"Name"`
	// TeamMembers is a collection: only on a single or batch GET.
	TeamMembers *[]int `json:"TeamMembers"`
}

type coworker struct {
	base
	FullName     string `json:"FullName"`
	GuessedFirst string `json:"GuessedFirstName"`
	GuessedLast  string `json:"GuessedLastName"`
	Email        string `json:"Email"`
	MobilePhone  string `json:"MobilePhone"`
	AccessCardID string `json:"AccessCardId"`
	KeyFobNumber string `json:"KeyFobNumber"`
	Archived     bool   `json:"Archived"`
}

type contract struct {
	base
	CoworkerID            int    `json:"CoworkerId"`
	TariffID              int    `json:"TariffId"`
	StartDate             string `json:"StartDate"`
	StartDateLocal        string `json:"StartDateLocal"`
	CancellationDate      string `json:"CancellationDate"`
	CancellationDateLocal string `json:"CancellationDateLocal"`
	Active                bool   `json:"Active"`
	Cancelled             bool   `json:"Cancelled"`
	FloorPlanDeskIDs      string `json:"FloorPlanDeskIds"`
	Desks                 []int  `json:"Desks"`
}

type booking struct {
	base
	ResourceID      int    `json:"ResourceId"`
	FloorPlanDeskID int    `json:"FloorPlanDeskId"`
	CoworkerID      int    `json:"CoworkerId"`
	FromTime        string `json:"FromTime"`
	ToTime          string `json:"ToTime"`
}

type bookingVisitor struct {
	base
	BookingID       int    `json:"BookingId"`
	VisitorFullName string `json:"VisitorFullName"`
	VisitorEmail    string `json:"VisitorEmail"`
}

type timePass struct {
	base
	MinutesIncluded *int `json:"MinutesIncluded"`
}

type coworkerTimePass struct {
	base
	CoworkerID    int    `json:"CoworkerId"`
	BusinessID    int    `json:"BusinessId"`
	TimePassID    int    `json:"TimePassId"`
	CreatedOn     string `json:"CreatedOn"`
	ExpireDate    string `json:"ExpireDate"`
	UsedDate      string `json:"UsedDate"`
	Used          bool   `json:"Used"`
	TotalUses     *int   `json:"TotalUses"`
	RemainingUses *int   `json:"RemainingUses"`
}

// envelope is a list's answer (DOC).
type envelope[T any] struct {
	Records         []T  `json:"Records"`
	CurrentPage     int  `json:"CurrentPage"`
	CurrentPageSize int  `json:"CurrentPageSize"`
	TotalItems      int  `json:"TotalItems"`
	HasNextPage     bool `json:"HasNextPage"`
}

// parseTime reads a Nexudus time. A time without an offset is UTC: ASSUMED
// (the record does not say which of X and XLocal is UTC; doorsync reads X
// as UTC and XLocal as the business's wall clock).
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// version is the latest UpdatedOn of the records, in Unix milliseconds.
func version(updated ...string) int64 {
	var v int64
	for _, u := range updated {
		if t, ok := parseTime(u); ok {
			v = max(v, t.UnixMilli())
		}
	}
	return v
}
