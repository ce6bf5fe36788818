package entity

import (
	"doorsync/access"
)

// The bodies of the space's fixed parts: locations, floors, resources,
// plans and teams.

type locationBody struct {
	Meta
	Name        string `json:"name"`
	TimeZone    string `json:"time_zone,omitempty"`
	SaltoSiteID string `json:"salto_site_id"`
}

// canonical: a name and a Salto KS site are required; the time zone is
// optional (the org's applies) but must be an IANA name.
func (b *locationBody) canonical(id string, v *Invalid) (any, []string) {
	requireText(v, "name", b.Name)
	if b.TimeZone != "" && access.CheckTimeZone(b.TimeZone) != nil {
		v.Add("time_zone", "must be an IANA time zone")
	}
	requireText(v, "salto_site_id", b.SaltoSiteID)
	return access.Location{ID: id, Name: b.Name, TimeZone: b.TimeZone, SaltoSiteID: b.SaltoSiteID}, nil
}

func locationView(l access.Location) (*locationBody, []Ref) {
	return &locationBody{Name: l.Name, TimeZone: l.TimeZone, SaltoSiteID: l.SaltoSiteID}, nil
}

type floorBody struct {
	Meta
	LocationID string `json:"location_id"`
	Name       string `json:"name"`
}

func (b *floorBody) canonical(id string, v *Invalid) (any, []string) {
	requireID(v, "location_id", b.LocationID)
	requireText(v, "name", b.Name)
	return access.Floor{ID: id, LocationID: b.LocationID, Name: b.Name}, nil
}

func floorView(f access.Floor) (*floorBody, []Ref) {
	return &floorBody{LocationID: f.LocationID, Name: f.Name},
		[]Ref{ref("location_id", access.KindLocation, f.LocationID)}
}

type resourceBody struct {
	Meta
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	LocationID   string `json:"location_id"`
	FloorID      string `json:"floor_id,omitempty"`
	BufferBefore string `json:"buffer_before,omitempty"`
	BufferAfter  string `json:"buffer_after,omitempty"`
}

func (b *resourceBody) canonical(id string, v *Invalid) (any, []string) {
	switch b.Kind {
	case access.ResourceAssignable, access.ResourceBookable:
	case "":
		v.Add("kind", "is required")
	default:
		v.Add("kind", `must be "assignable" or "bookable"`)
	}
	requireText(v, "name", b.Name)
	requireID(v, "location_id", b.LocationID)
	optionalID(v, "floor_id", b.FloorID)
	return access.Resource{ID: id, Kind: b.Kind, Name: b.Name, LocationID: b.LocationID, FloorID: b.FloorID,
		BufferBefore: parseBuffer(v, "buffer_before", b.BufferBefore),
		BufferAfter:  parseBuffer(v, "buffer_after", b.BufferAfter)}, nil
}

func resourceView(r access.Resource) (*resourceBody, []Ref) {
	return &resourceBody{Kind: r.Kind, Name: r.Name, LocationID: r.LocationID, FloorID: r.FloorID,
			BufferBefore: formatBuffer(r.BufferBefore), BufferAfter: formatBuffer(r.BufferAfter)},
		[]Ref{ref("location_id", access.KindLocation, r.LocationID), ref("floor_id", access.KindFloor, r.FloorID)}
}

type planBody struct {
	Meta
	Name string `json:"name"`
}

func (b *planBody) canonical(id string, v *Invalid) (any, []string) {
	requireText(v, "name", b.Name)
	return access.MembershipPlan{ID: id, Name: b.Name}, nil
}

func planView(p access.MembershipPlan) (*planBody, []Ref) {
	return &planBody{Name: p.Name}, nil
}

type teamBody struct {
	Meta
	Name string `json:"name"`
}

func (b *teamBody) canonical(id string, v *Invalid) (any, []string) {
	requireText(v, "name", b.Name)
	return access.Team{ID: id, Name: b.Name}, nil
}

func teamView(t access.Team) (*teamBody, []Ref) {
	return &teamBody{Name: t.Name}, nil
}
