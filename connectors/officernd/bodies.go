package officernd

// The bodies doorsync's PUT takes (API.md "Space entities"), without the
// operator-owned fields (a location's salto_site_id, a resource's buffers):
// doorsync refuses unknown fields, so these name exactly the API's.

type locationBody struct {
	Name     string `json:"name"`
	TimeZone string `json:"time_zone,omitempty"`
	Version  *int64 `json:"version,omitempty"`
}

type floorBody struct {
	LocationID string `json:"location_id"`
	Name       string `json:"name"`
	Version    *int64 `json:"version,omitempty"`
}

type resourceBody struct {
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	LocationID string `json:"location_id"`
	FloorID    string `json:"floor_id,omitempty"`
	Version    *int64 `json:"version,omitempty"`
}

type nameBody struct {
	Name    string `json:"name"`
	Version *int64 `json:"version,omitempty"`
}

type memberBody struct {
	Email       string   `json:"email"`
	FirstName   string   `json:"first_name"`
	LastName    string   `json:"last_name"`
	Phone       string   `json:"phone,omitempty"`
	TeamID      string   `json:"team_id,omitempty"`
	AccessCards []string `json:"access_cards"`
	Version     *int64   `json:"version,omitempty"`
}

type membershipBody struct {
	PlanID     string `json:"plan_id"`
	MemberID   string `json:"member_id,omitempty"`
	TeamID     string `json:"team_id,omitempty"`
	ResourceID string `json:"resource_id,omitempty"`
	StartsAt   string `json:"starts_at"`
	EndsAt     string `json:"ends_at,omitempty"`
	Version    *int64 `json:"version,omitempty"`
}

type contact struct {
	Email     string `json:"email"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
}

type bookingBody struct {
	ResourceID string    `json:"resource_id"`
	MemberID   string    `json:"member_id,omitempty"`
	Guests     []contact `json:"guests"`
	StartsAt   string    `json:"starts_at"`
	EndsAt     string    `json:"ends_at"`
	Version    *int64    `json:"version,omitempty"`
}

type dayPassBody struct {
	MemberID   string `json:"member_id,omitempty"`
	TeamID     string `json:"team_id,omitempty"`
	LocationID string `json:"location_id"`
	Passes     int    `json:"passes"`
	ValidFrom  string `json:"valid_from"`
	ValidUntil string `json:"valid_until"`
	Version    *int64 `json:"version,omitempty"`
}
