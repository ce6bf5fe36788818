package saltokstest

import "time"

// The JSON shapes the fake answers with, after the measured bodies of the
// reference (§5). They are the fake's own: it does not share types with the
// client it tests.

type siteJSON struct {
	ID                   string  `json:"id"`
	CustomerReference    string  `json:"customer_reference"`
	SiteUID              string  `json:"site_uid"`
	TimeZone             string  `json:"time_zone"`
	CountryCode          *string `json:"country_code"`
	ActiveUserAmount     int     `json:"active_user_amount"`
	SubscribedUserAmount int     `json:"subscribed_user_amount"`
	SubscriptionValid    bool    `json:"subscription_valid"`
	PinEnabled           bool    `json:"pin_enabled"`
	InstallationState    string  `json:"installation_state"`
}

func siteWire(st *site) any {
	return siteJSON{
		ID: st.id, CustomerReference: st.name, SiteUID: st.siteUID, TimeZone: st.timeZone,
		ActiveUserAmount: st.subscribed, SubscribedUserAmount: st.seats,
		SubscriptionValid: true, PinEnabled: true, InstallationState: "released",
	}
}

type roleJSON struct {
	ID                string  `json:"id"`
	CustomerReference string  `json:"customer_reference"`
	Code              string  `json:"code"`
	ParentID          *string `json:"parent_id"`
	IsHierarchical    bool    `json:"is_hierarchical"`
}

type platformUserJSON struct {
	Email                  *string `json:"email"`
	ImageURL               *string `json:"image_url"`
	TagNumber              *string `json:"tag_number"`
	IsManagedByCurrentSite bool    `json:"is_managed_by_current_site"`
	HasProfile             bool    `json:"has_profile"`
	ID                     string  `json:"id"`
	FirstName              string  `json:"first_name"`
	LastName               string  `json:"last_name"`
}

type siteUserJSON struct {
	ID                     string           `json:"id"`
	User                   platformUserJSON `json:"user"`
	Roles                  []roleJSON       `json:"roles"`
	Alias                  string           `json:"alias"`
	ToggleEasyOfficeMode   bool             `json:"toggle_easy_office_mode"`
	ToggleManualOfficeMode bool             `json:"toggle_manual_office_mode"`
	RemoteAccess           bool             `json:"remote_access"`
	Blocked                bool             `json:"blocked"`
	TagOwnedByThisSite     bool             `json:"tag_owned_by_this_site"`
	TagID                  *string          `json:"tag_id"`
	SubscriptionState      string           `json:"subscription_state"`
	OverridePrivacyMode    bool             `json:"override_privacy_mode"`
	UsePin                 bool             `json:"use_pin"`
	DataRemovalExpiresAt   *string          `json:"data_removal_expires_at"`
	ExpiresAt              *string          `json:"expires_at"`
}

// siteUserWire renders a site user. While the user is still provisioning
// its roles read [] (as measured after a create).
func (s *Server) siteUserWire(su *siteUser, now time.Time) siteUserJSON {
	out := siteUserJSON{
		ID:                su.id,
		User:              platformUserWire(su),
		Roles:             []roleJSON{},
		Alias:             su.alias,
		Blocked:           su.blocked,
		SubscriptionState: su.state,
		UsePin:            su.usePin,
		ExpiresAt:         optional(su.expiresAt),
	}
	if su.tag != nil {
		out.TagID = &su.tag.id
		out.TagOwnedByThisSite = true
	}
	if !s.provisioning(su, now) {
		for _, id := range su.roleIDs {
			out.Roles = append(out.Roles, roleWire(id))
		}
	}
	return out
}

func platformUserWire(su *siteUser) platformUserJSON {
	p := su.person
	out := platformUserJSON{
		Email: optional(p.email), ID: p.id, FirstName: p.firstName, LastName: p.lastName,
		HasProfile: p.email != "", IsManagedByCurrentSite: p.email == "",
	}
	if su.tag != nil {
		out.TagNumber = &su.tag.number
	}
	return out
}

// memberJSON is an access-group member: the PLATFORM user id plus names.
// email is ASSUMED (not observed).
type memberJSON struct {
	ID        string  `json:"id"`
	FirstName string  `json:"first_name"`
	LastName  string  `json:"last_name"`
	Email     *string `json:"email"`
}

func memberWire(su *siteUser) any {
	p := su.person
	return memberJSON{ID: p.id, FirstName: p.firstName, LastName: p.lastName, Email: optional(p.email)}
}

type groupJSON struct {
	ID                string `json:"id"`
	CustomerReference string `json:"customer_reference"`
}

func groupWire(g *group) any { return groupJSON{ID: g.id, CustomerReference: g.name} }

type lockJSON struct {
	ID                   string  `json:"id"`
	CustomerReference    string  `json:"customer_reference"`
	LockType             string  `json:"lock_type"`
	LockedState          string  `json:"locked_state"`
	Online               bool    `json:"online"`
	BatteryLevel         string  `json:"battery_level"`
	IqLinkState          string  `json:"iq_link_state"`
	TagRegistrationState string  `json:"tag_registration_state"`
	CommunicationType    string  `json:"communication_type"`
	PrivacyMode          bool    `json:"privacy_mode"`
	Floor                *string `json:"floor"`
}

func lockWire(l *lock) any {
	return lockJSON{ID: l.id, CustomerReference: l.name, LockType: "escutcheon_pin", LockedState: "locked",
		Online: true, BatteryLevel: "fresh", IqLinkState: "attached", TagRegistrationState: "not_started",
		CommunicationType: "blue_net"}
}

// tagJSON is the ASSUMED tag shape; user_id is the holder's platform id.
type tagJSON struct {
	ID        string  `json:"id"`
	TagNumber string  `json:"tag_number"`
	UserID    *string `json:"user_id"`
}

func tagWire(t *tag) any {
	out := tagJSON{ID: t.id, TagNumber: t.number}
	if t.holder != nil {
		out.UserID = &t.holder.person.id
	}
	return out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
