package contract

// OrgDeleteWorkflow deletes an org: it stops the org's workflows and
// schedule, revokes in Salto KS what doorsync applied for it, and removes
// its data.
const OrgDeleteWorkflow = "OrgDeleteWorkflow"

// Org deletion activity names.
const (
	StopOrgWorkflowsActivity = "StopOrgWorkflows"
	RevokeOrgActivity        = "RevokeOrg"
	DeleteOrgDataActivity    = "DeleteOrgData"
)

// OrgDeleteWorkflowID names an org's deletion: one at a time per org.
func OrgDeleteWorkflowID(orgID string) string { return "org-delete:" + orgID }

// OrgDeleteInput starts an OrgDeleteWorkflow for an org already marked as
// being deleted (the API decided on the mass-removal guard when it marked
// it).
type OrgDeleteInput struct {
	OrgID string `json:"org_id"`
}

// OrgDeleteResult says what the deletion did.
type OrgDeleteResult struct {
	Stopped int `json:"stopped"`
	Removed int `json:"removed"`
}

// StopOrgWorkflowsInput deletes the org's reconcile schedule and
// terminates its running workflows, except the one named Except (the
// deletion itself).
type StopOrgWorkflowsInput struct {
	OrgID  string `json:"org_id"`
	Except string `json:"except,omitempty"`
}

// StopOrgWorkflowsResult counts the workflows terminated.
type StopOrgWorkflowsResult struct {
	Stopped int `json:"stopped"`
}

// RevokeOrgInput removes from their Salto KS groups every user doorsync
// applied for the org.
type RevokeOrgInput struct {
	OrgID string `json:"org_id"`
}

// RevokeOrgResult counts the removals made.
type RevokeOrgResult struct {
	Removed int `json:"removed"`
}

// DeleteOrgDataInput removes the org's rows.
type DeleteOrgDataInput struct {
	OrgID string `json:"org_id"`
}
