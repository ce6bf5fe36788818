package access

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"
)

// Resource kinds.
const (
	// ResourceAssignable is a desk or office assigned through a membership.
	ResourceAssignable = "assignable"
	// ResourceBookable is a room used through bookings.
	ResourceBookable = "bookable"
)

// DefaultBookingBuffer is the buffer before and after a booking when neither
// the resource nor the org sets one.
const DefaultBookingBuffer = 15 * time.Minute

// Snapshot is an org's space as the platform describes it, plus the
// operator's mappings: everything Grants needs. Each map is keyed by the
// entity's id; the key is authoritative. Nil maps are empty.
type Snapshot struct {
	Org         Org                       `json:"org"`
	Locations   map[string]Location       `json:"locations,omitempty"`
	Floors      map[string]Floor          `json:"floors,omitempty"`
	Resources   map[string]Resource       `json:"resources,omitempty"`
	Plans       map[string]MembershipPlan `json:"plans,omitempty"`
	Teams       map[string]Team           `json:"teams,omitempty"`
	Members     map[string]Member         `json:"members,omitempty"`
	Memberships map[string]Membership     `json:"memberships,omitempty"`
	Bookings    map[string]Booking        `json:"bookings,omitempty"`
	DayPasses   map[string]DayPass        `json:"day_passes,omitempty"`
	Mappings    Mappings                  `json:"mappings"`
}

// Holds reports whether s holds the space entity kind:id.
func (s Snapshot) Holds(kind Kind, id string) bool {
	m := s.entityMap(kind)
	return m.IsValid() && m.MapIndex(reflect.ValueOf(id)).IsValid()
}

// Put decodes body (an entity's canonical JSON) as the space entity
// kind:id into s, replacing what s held under that id. s's maps must be
// allocated (NewSnapshot).
func (s *Snapshot) Put(kind Kind, id string, body []byte) error {
	m := s.entityMap(kind)
	if !m.IsValid() {
		return fmt.Errorf("access: unknown kind %q", kind)
	}
	v := reflect.New(m.Type().Elem())
	if err := json.Unmarshal(body, v.Interface()); err != nil {
		return err
	}
	m.SetMapIndex(reflect.ValueOf(id), v.Elem())
	return nil
}

// NewSnapshot returns a snapshot for org with every map allocated.
func NewSnapshot(org Org) Snapshot {
	return Snapshot{
		Org:         org,
		Locations:   map[string]Location{},
		Floors:      map[string]Floor{},
		Resources:   map[string]Resource{},
		Plans:       map[string]MembershipPlan{},
		Teams:       map[string]Team{},
		Members:     map[string]Member{},
		Memberships: map[string]Membership{},
		Bookings:    map[string]Booking{},
		DayPasses:   map[string]DayPass{},
		Mappings:    NewMappings(),
	}
}

// Org holds the org settings the engine uses. Durations encode as Go
// durations in nanoseconds; nil buffers mean DefaultBookingBuffer.
type Org struct {
	ID                  string         `json:"id"`
	Name                string         `json:"name,omitempty"`
	TimeZone            string         `json:"time_zone,omitempty"`
	BookingBufferBefore *time.Duration `json:"booking_buffer_before,omitempty"`
	BookingBufferAfter  *time.Duration `json:"booking_buffer_after,omitempty"`
}

// Location is a building with its IANA time zone and its Salto KS site.
type Location struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	TimeZone    string `json:"time_zone,omitempty"`
	SaltoSiteID string `json:"salto_site_id,omitempty"`
}

// Floor is a floor of a location.
type Floor struct {
	ID         string `json:"id"`
	LocationID string `json:"location_id"`
	Name       string `json:"name,omitempty"`
}

// Resource is a desk or office (ResourceAssignable) or a room
// (ResourceBookable). Buffers override the org's booking buffers.
type Resource struct {
	ID           string         `json:"id"`
	Kind         string         `json:"kind"`
	Name         string         `json:"name,omitempty"`
	LocationID   string         `json:"location_id"`
	FloorID      string         `json:"floor_id,omitempty"`
	BufferBefore *time.Duration `json:"buffer_before,omitempty"`
	BufferAfter  *time.Duration `json:"buffer_after,omitempty"`
}

// MembershipPlan is a plan memberships are on. In doorsync's Go, "plan"
// means this and nothing else (the add/remove helper is Diff).
type MembershipPlan struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Team is a company or team whose members share team memberships and
// team day passes.
type Team struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Member is a person known to the platform. TeamID is the member's current
// team; PrimaryMemberID makes the member a co-member of that member.
type Member struct {
	ID              string   `json:"id"`
	Email           string   `json:"email"`
	FirstName       string   `json:"first_name,omitempty"`
	LastName        string   `json:"last_name,omitempty"`
	TeamID          string   `json:"team_id,omitempty"`
	PrimaryMemberID string   `json:"primary_member_id,omitempty"`
	AccessCards     []string `json:"access_cards,omitempty"`
}

// Membership puts a member (or, without MemberID, every current member of
// TeamID) on a plan, optionally assigned an assignable resource, from
// StartsAt until EndsAt (nil: open-ended).
type Membership struct {
	ID         string      `json:"id"`
	PlanID     string      `json:"plan_id"`
	MemberID   string      `json:"member_id,omitempty"`
	TeamID     string      `json:"team_id,omitempty"`
	ResourceID string      `json:"resource_id,omitempty"`
	StartsAt   DateOrTime  `json:"starts_at"`
	EndsAt     *DateOrTime `json:"ends_at,omitempty"`
}

// Contact is a person named by e-mail: a non-member booker or a guest.
type Contact struct {
	Email     string `json:"email"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
}

// Booking reserves a bookable resource from StartsAt to EndsAt for a member
// (MemberID) or a non-member Booker, with guests. MemberID wins when both
// are set.
type Booking struct {
	ID         string    `json:"id"`
	ResourceID string    `json:"resource_id"`
	MemberID   string    `json:"member_id,omitempty"`
	Booker     *Contact  `json:"booker,omitempty"`
	Guests     []Contact `json:"guests,omitempty"`
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
	Cancelled  bool      `json:"cancelled,omitempty"`
}

// DayPass is a bundle of Passes day passes at a location for a member (or,
// without MemberID, every current member of TeamID), valid from ValidFrom
// until ValidUntil (zero: no end), with the uses recorded so far.
type DayPass struct {
	ID         string       `json:"id"`
	MemberID   string       `json:"member_id,omitempty"`
	TeamID     string       `json:"team_id,omitempty"`
	LocationID string       `json:"location_id"`
	Passes     int          `json:"passes"`
	ValidFrom  DateOrTime   `json:"valid_from"`
	ValidUntil DateOrTime   `json:"valid_until"`
	Uses       []DayPassUse `json:"uses,omitempty"`
}

// DayPassUse records one pass used on a local day (a date, or an instant
// whose local day in the location's time zone counts). Uses are idempotent
// by UseID; uses without an id each count once.
type DayPassUse struct {
	UseID string     `json:"use_id"`
	Date  DateOrTime `json:"date"`
}
