package officernd

// OfficeRnD v2 objects, with the fields doorsync reads (record §1.4).
// Times stay strings (YYYY-MM-DDTHH:mm:ss.sssZ) until translation.

type location struct {
	ID         string `json:"_id"`
	Name       string `json:"name"`
	Timezone   string `json:"timezone"`
	ModifiedAt string `json:"modifiedAt"` // not in the record; used if present
}

type floor struct {
	ID         string `json:"_id"`
	Floor      string `json:"floor"`
	Name       string `json:"name"`
	Location   string `json:"location"`
	ModifiedAt string `json:"modifiedAt"`
}

type plan struct {
	ID         string `json:"_id"`
	Name       string `json:"name"`
	ModifiedAt string `json:"modifiedAt"` // not in the record; used if present
}

type company struct {
	ID         string `json:"_id"`
	Name       string `json:"name"`
	Location   string `json:"location"`
	Status     string `json:"status"`
	ModifiedAt string `json:"modifiedAt"`
}

type member struct {
	ID         string `json:"_id"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	Phone      string `json:"phone"`
	Location   string `json:"location"`
	Company    string `json:"company"`
	Status     string `json:"status"`
	ModifiedAt string `json:"modifiedAt"`
}

type resource struct {
	ID         string `json:"_id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	Location   string `json:"location"`
	Floor      string `json:"floor"`
	ModifiedAt string `json:"modifiedAt"`
}

type membership struct {
	ID               string `json:"_id"`
	IsPersonal       bool   `json:"isPersonal"`
	CalculatedStatus string `json:"calculatedStatus"`
	Plan             string `json:"plan"`
	Company          string `json:"company"`
	Member           string `json:"member"`
	StartDate        string `json:"startDate"`
	EndDate          string `json:"endDate"`
	ModifiedAt       string `json:"modifiedAt"`
}

type assignment struct {
	ID         string `json:"_id"`
	Resource   string `json:"resource"`
	Membership string `json:"membership"`
	StartDate  string `json:"startDate"`
	EndDate    string `json:"endDate"`
	// Not in the record; used if the platform sends them.
	CreatedAt  string `json:"createdAt"`
	ModifiedAt string `json:"modifiedAt"`
}

type recurrence struct {
	Rrule string `json:"rrule"`
}

type booking struct {
	ID          string      `json:"_id"`
	Start       string      `json:"start"`
	End         string      `json:"end"`
	Recurrence  *recurrence `json:"recurrence"`
	Member      string      `json:"member"`
	Company     string      `json:"company"`
	Resource    string      `json:"resource"`
	Visitors    []string    `json:"visitors"`
	IsCancelled bool        `json:"isCancelled"`
	IsTentative bool        `json:"isTentative"`
	ModifiedAt  string      `json:"modifiedAt"`
}

type visitor struct {
	ID    string `json:"_id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

type pass struct {
	ID         string `json:"_id"`
	Count      int    `json:"count"`
	UsedCount  int    `json:"usedCount"`
	StartDate  string `json:"startDate"`
	EndDate    string `json:"endDate"`
	ValidFrom  string `json:"validFrom"`
	ValidTo    string `json:"validTo"`
	Company    string `json:"company"`
	Member     string `json:"member"`
	Status     string `json:"status"`
	ModifiedAt string `json:"modifiedAt"`
}
