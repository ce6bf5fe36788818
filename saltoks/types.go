package saltoks

import "time"

// Subscription states of a site user.
const (
	SubscriptionSubscribed   = "subscribed"
	SubscriptionSuspended    = "suspended"
	SubscriptionUnsubscribed = "unsubscribed"
)

// Built-in role ids; they are global across sites (reference §5.1).
const (
	RoleSiteUser       = "8f6081a3-80fb-11e8-a892-000d3a221c5b"
	RoleSiteAdmin      = "7d53b0b3-3ef7-11e8-9f1c-0050568d6e36"
	RoleSiteMobileUser = "9df437bb-80fb-11e8-a892-000d3a221c5b"
)

// The exported types below are plain data with flat JSON tags of their own,
// so they survive a JSON round trip (e.g. as Temporal activity results).
// The Connect API's wire shapes are separate, unexported types.

// Site is a Salto KS site (one location).
type Site struct {
	ID string `json:"id"`
	// Name is the site's customer_reference.
	Name     string `json:"name"`
	SiteUID  string `json:"site_uid,omitempty"`
	TimeZone string `json:"time_zone"`
	// Seats is subscribed_user_amount, the size of the subscription.
	Seats int `json:"seats"`
	// ActiveUsers is active_user_amount, the seats in use.
	ActiveUsers int `json:"active_users"`
}

// SiteUser is a person on a site. It carries both ids.
type SiteUser struct {
	// ID is the site-user id: for /users/{id}, PATCH, subscription, DELETE.
	ID string `json:"id"`
	// UserID is the platform user id (user.id): the one access-group
	// membership takes.
	UserID    string `json:"user_id"`
	Email     string `json:"email,omitempty"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Alias     string `json:"alias,omitempty"`
	// TagID is the assigned tag's id (ASSUMED field tag_id on the site user).
	TagID string `json:"tag_id,omitempty"`
	// TagNumber is user.tag_number.
	TagNumber         string   `json:"tag_number,omitempty"`
	Blocked           bool     `json:"blocked"`
	SubscriptionState string   `json:"subscription_state"`
	UsePin            bool     `json:"use_pin"`
	HasProfile        bool     `json:"has_profile"`
	RoleIDs           []string `json:"role_ids,omitempty"`
	ExpiresAt         string   `json:"expires_at,omitempty"`
}

// Subscribed reports whether the user holds a seat.
func (u SiteUser) Subscribed() bool { return u.SubscriptionState == SubscriptionSubscribed }

// AccessGroup is a site's access group.
type AccessGroup struct {
	ID string `json:"id"`
	// Name is the group's customer_reference.
	Name string `json:"name"`
}

// GroupMember is one member of an access group.
type GroupMember struct {
	// UserID is the platform user id.
	UserID    string `json:"user_id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	// Email is filled when the server gives it (ASSUMED; not observed).
	Email string `json:"email,omitempty"`
}

// Lock is a door.
type Lock struct {
	ID string `json:"id"`
	// Name is the lock's customer_reference.
	Name         string `json:"name"`
	LockType     string `json:"lock_type,omitempty"`
	Online       bool   `json:"online"`
	BatteryLevel string `json:"battery_level,omitempty"`
	LockedState  string `json:"locked_state,omitempty"`
}

// Tag is a physical key (fob, card) owned by a site. ASSUMED shape.
type Tag struct {
	ID        string `json:"id"`
	TagNumber string `json:"tag_number"`
	// UserID is the platform user id of the holder; empty if unassigned.
	UserID string `json:"user_id,omitempty"`
}

// NewUser is the body of CreateUser.
type NewUser struct {
	FirstName string
	LastName  string
	// Email makes a user with a profile: Salto KS sends an invitation
	// e-mail. Leave empty for a tag/PIN-only user (no invitation).
	Email string
	Alias string
	// RoleIDs default to RoleSiteUser.
	RoleIDs []string
	// TagID assigns a tag (its id, not its number).
	TagID     string
	UsePin    bool
	Blocked   bool
	ExpiresAt *time.Time
}

// UserPatch is the body of PatchUser; nil fields are left unchanged.
type UserPatch struct {
	Alias   *string
	Blocked *bool
	UsePin  *bool
	// TagID assigns a tag; a pointer to "" removes the assigned tag (sent as
	// null).
	TagID     *string
	RoleIDs   []string
	ExpiresAt *time.Time
}

// CreateUserResult is what CreateUser returns.
type CreateUserResult struct {
	User SiteUser `json:"user"`
	// Adopted is true when a site user with the same e-mail already existed
	// and was returned instead of creating a duplicate. No invitation was
	// sent then.
	Adopted bool `json:"adopted"`
}

// wire shapes of the Connect API.

type siteWire struct {
	ID                   string `json:"id"`
	CustomerReference    string `json:"customer_reference"`
	SiteUID              string `json:"site_uid"`
	TimeZone             string `json:"time_zone"`
	SubscribedUserAmount int    `json:"subscribed_user_amount"`
	ActiveUserAmount     int    `json:"active_user_amount"`
}

func (w siteWire) site() Site {
	return Site{ID: w.ID, Name: w.CustomerReference, SiteUID: w.SiteUID, TimeZone: w.TimeZone,
		Seats: w.SubscribedUserAmount, ActiveUsers: w.ActiveUserAmount}
}

type siteUserWire struct {
	ID   string `json:"id"`
	User struct {
		ID         string `json:"id"`
		Email      string `json:"email"`
		FirstName  string `json:"first_name"`
		LastName   string `json:"last_name"`
		TagNumber  string `json:"tag_number"`
		HasProfile bool   `json:"has_profile"`
	} `json:"user"`
	Roles []struct {
		ID string `json:"id"`
	} `json:"roles"`
	Alias             string `json:"alias"`
	Blocked           bool   `json:"blocked"`
	SubscriptionState string `json:"subscription_state"`
	UsePin            bool   `json:"use_pin"`
	TagID             string `json:"tag_id"`
	ExpiresAt         string `json:"expires_at"`
}

func (w siteUserWire) siteUser() SiteUser {
	u := SiteUser{
		ID: w.ID, UserID: w.User.ID, Email: w.User.Email,
		FirstName: w.User.FirstName, LastName: w.User.LastName,
		Alias: w.Alias, TagID: w.TagID, TagNumber: w.User.TagNumber,
		Blocked: w.Blocked, SubscriptionState: w.SubscriptionState,
		UsePin: w.UsePin, HasProfile: w.User.HasProfile, ExpiresAt: w.ExpiresAt,
	}
	for _, r := range w.Roles {
		u.RoleIDs = append(u.RoleIDs, r.ID)
	}
	return u
}

type groupWire struct {
	ID                string `json:"id"`
	CustomerReference string `json:"customer_reference"`
}

func (w groupWire) group() AccessGroup { return AccessGroup{ID: w.ID, Name: w.CustomerReference} }

type memberWire struct {
	ID        string `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
}

func (w memberWire) member() GroupMember {
	return GroupMember{UserID: w.ID, FirstName: w.FirstName, LastName: w.LastName, Email: w.Email}
}

type lockWire struct {
	ID                string `json:"id"`
	CustomerReference string `json:"customer_reference"`
	LockType          string `json:"lock_type"`
	Online            bool   `json:"online"`
	BatteryLevel      string `json:"battery_level"`
	LockedState       string `json:"locked_state"`
}

func (w lockWire) lock() Lock {
	return Lock{ID: w.ID, Name: w.CustomerReference, LockType: w.LockType, Online: w.Online,
		BatteryLevel: w.BatteryLevel, LockedState: w.LockedState}
}

type tagWire struct {
	ID        string `json:"id"`
	TagNumber string `json:"tag_number"`
	UserID    string `json:"user_id"`
}

func (w tagWire) tag() Tag { return Tag(w) }
