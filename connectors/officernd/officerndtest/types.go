package officerndtest

import "time"

// The seed types: OfficeRnD v2 objects with the fields the record lists
// that doorsync may read. Zero times are left out; Add* fill _id and, where
// the record has them, createdAt and modifiedAt (now).

// Location is a location (v1 "office").
type Location struct {
	ID         string         `json:"_id"`
	Name       string         `json:"name"`
	Timezone   string         `json:"timezone,omitempty"`
	Code       string         `json:"code,omitempty"`
	IsOpen     bool           `json:"isOpen"`
	IsPublic   bool           `json:"isPublic"`
	Properties map[string]any `json:"properties"`
}

// Floor is a floor of a location.
type Floor struct {
	ID         string    `json:"_id"`
	Floor      string    `json:"floor,omitempty"`
	Name       string    `json:"name"`
	Location   string    `json:"location"`
	IsOpen     bool      `json:"isOpen"`
	CreatedAt  time.Time `json:"createdAt,omitzero"`
	ModifiedAt time.Time `json:"modifiedAt,omitzero"`
}

// Plan is a billing plan.
type Plan struct {
	ID             string         `json:"_id"`
	Name           string         `json:"name"`
	Code           string         `json:"code,omitempty"`
	Type           string         `json:"type,omitempty"`
	Locations      []string       `json:"locations"`
	IntervalLength string         `json:"intervalLength,omitempty"`
	Properties     map[string]any `json:"properties"`
}

// Company is a company (v1 "team").
type Company struct {
	ID         string         `json:"_id"`
	Name       string         `json:"name"`
	Email      string         `json:"email,omitempty"`
	Location   string         `json:"location,omitempty"`
	Status     string         `json:"status"`
	StartDate  time.Time      `json:"startDate,omitzero"`
	CreatedAt  time.Time      `json:"createdAt,omitzero"`
	ModifiedAt time.Time      `json:"modifiedAt,omitzero"`
	Tags       []string       `json:"tags"`
	Properties map[string]any `json:"properties"`
}

// Member is a member.
type Member struct {
	ID         string         `json:"_id"`
	Name       string         `json:"name"`
	Email      string         `json:"email,omitempty"`
	Phone      string         `json:"phone,omitempty"`
	Location   string         `json:"location,omitempty"`
	Company    string         `json:"company,omitempty"`
	Status     string         `json:"status"`
	StartDate  time.Time      `json:"startDate,omitzero"`
	CreatedAt  time.Time      `json:"createdAt,omitzero"`
	ModifiedAt time.Time      `json:"modifiedAt,omitzero"`
	Tags       []string       `json:"tags"`
	Properties map[string]any `json:"properties"`
}

// Membership is a plan sold to a member (isPersonal) or a company; its
// desk or office is an Assignment.
type Membership struct {
	ID               string    `json:"_id"`
	Name             string    `json:"name"`
	IsPersonal       bool      `json:"isPersonal"`
	Status           string    `json:"status"`
	CalculatedStatus string    `json:"calculatedStatus"`
	Type             string    `json:"type,omitempty"`
	Location         string    `json:"location,omitempty"`
	Plan             string    `json:"plan"`
	Company          string    `json:"company,omitempty"`
	Member           string    `json:"member,omitempty"`
	StartDate        time.Time `json:"startDate,omitzero"`
	EndDate          time.Time `json:"endDate,omitzero"`
	IntervalLength   string    `json:"intervalLength,omitempty"`
	CreatedAt        time.Time `json:"createdAt,omitzero"`
	ModifiedAt       time.Time `json:"modifiedAt,omitzero"`
}

// Assignment ties a membership to a resource (desk or office) for a time.
type Assignment struct {
	ID         string    `json:"_id"`
	Resource   string    `json:"resource"`
	Membership string    `json:"membership"`
	StartDate  time.Time `json:"startDate,omitzero"`
	EndDate    time.Time `json:"endDate,omitzero"`
	CreatedAt  time.Time `json:"createdAt,omitzero"`
	ModifiedAt time.Time `json:"modifiedAt,omitzero"`
}

// Resource is a room, desk or office.
type Resource struct {
	ID         string         `json:"_id"`
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Location   string         `json:"location"`
	Floor      string         `json:"floor,omitempty"`
	Size       int            `json:"size,omitempty"`
	CreatedAt  time.Time      `json:"createdAt,omitzero"`
	ModifiedAt time.Time      `json:"modifiedAt,omitzero"`
	Properties map[string]any `json:"properties"`
}

// Recurrence is a booking series' rule.
type Recurrence struct {
	Rrule   string   `json:"rrule"`
	Exdates []string `json:"exdates"`
}

// Booking is one booking, or one recurring series.
type Booking struct {
	ID          string      `json:"_id"`
	Reference   string      `json:"reference,omitempty"`
	Timezone    string      `json:"timezone,omitempty"`
	Start       time.Time   `json:"start,omitzero"`
	End         time.Time   `json:"end,omitzero"`
	Recurrence  *Recurrence `json:"recurrence,omitempty"`
	SeriesStart time.Time   `json:"seriesStart,omitzero"`
	SeriesEnd   time.Time   `json:"seriesEnd,omitzero"`
	Location    string      `json:"location,omitempty"`
	Company     string      `json:"company,omitempty"`
	Member      string      `json:"member,omitempty"`
	Resource    string      `json:"resource"`
	Members     []string    `json:"members"`
	Visitors    []string    `json:"visitors"`
	IsCancelled bool        `json:"isCancelled"`
	IsTentative bool        `json:"isTentative"`
	IsFree      bool        `json:"isFree"`
	Title       string      `json:"title,omitempty"`
	CreatedAt   time.Time   `json:"createdAt,omitzero"`
	ModifiedAt  time.Time   `json:"modifiedAt,omitzero"`
}

// Visitor is an external visitor a booking may name.
type Visitor struct {
	ID      string `json:"_id"`
	Name    string `json:"name"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Member  string `json:"member,omitempty"`
	Company string `json:"company,omitempty"`
	Type    string `json:"type,omitempty"`
}

// Pass is a set of Count day passes with a validity window.
type Pass struct {
	ID             string    `json:"_id"`
	Count          int       `json:"count"`
	UsedCount      int       `json:"usedCount"`
	IntervalLength string    `json:"intervalLength,omitempty"`
	StartDate      time.Time `json:"startDate,omitzero"`
	EndDate        time.Time `json:"endDate,omitzero"`
	ValidFrom      time.Time `json:"validFrom,omitzero"`
	ValidTo        time.Time `json:"validTo,omitzero"`
	Company        string    `json:"company,omitempty"`
	Member         string    `json:"member,omitempty"`
	IsPersonal     bool      `json:"isPersonal"`
	Membership     string    `json:"membership,omitempty"`
	ResourceType   string    `json:"resourceType,omitempty"`
	Status         string    `json:"status"`
	CreatedAt      time.Time `json:"createdAt,omitzero"`
	ModifiedAt     time.Time `json:"modifiedAt,omitzero"`
}
