package nexudustest

// Entity paths below /api/, as the REST API groups them.
const (
	Businesses         = "sys/businesses"
	FloorPlans         = "sys/floorplans"
	FloorPlanDesks     = "sys/floorplandesks"
	Resources          = "spaces/resources"
	Tariffs            = "billing/tariffs"
	Teams              = "spaces/teams"
	Coworkers          = "spaces/coworkers"
	CoworkerContracts  = "billing/coworkercontracts"
	Bookings           = "spaces/bookings"
	BookingVisitors    = "spaces/bookingvisitors"
	CoworkerTimePasses = "billing/coworkertimepasses"
	TimePasses         = "billing/timepasses"
)

// entityDef is what the fake knows of one entity: the name its filters
// start with (Coworker_Email, from_Coworker_UpdatedOn) and its collection
// properties, which lists omit (DOC-vendor-repo SKILL.md invariant 7).
type entityDef struct {
	name        string
	collections []string
}

var entities = map[string]entityDef{
	Businesses:         {name: "Business"},
	FloorPlans:         {name: "FloorPlan"},
	FloorPlanDesks:     {name: "FloorPlanDesk"},
	Resources:          {name: "Resource"},
	Tariffs:            {name: "Tariff"},
	Teams:              {name: "Team", collections: []string{"TeamMembers", "TeamAdministrators"}},
	Coworkers:          {name: "Coworker", collections: []string{"Teams", "Businesses"}},
	CoworkerContracts:  {name: "CoworkerContract", collections: []string{"Desks", "Variants"}},
	Bookings:           {name: "Booking"},
	BookingVisitors:    {name: "BookingVisitor"},
	CoworkerTimePasses: {name: "CoworkerTimePass"},
	TimePasses:         {name: "TimePass", collections: []string{"Tariffs", "AccessControlGroupIds"}},
}

// Action is the integer Action of a Nexudus webhook record (the enum in
// platform-apis.md §2.5); only the ones the fake delivers are named.
type Action int

// Webhook actions.
const (
	CoworkerUpdate         Action = 2
	CoworkerCreate         Action = 3
	BookingCreate          Action = 6
	BookingUpdate          Action = 7
	BookingDelete          Action = 8
	CoworkerDelete         Action = 50
	TeamCreated            Action = 57
	TeamUpdated            Action = 58
	TeamDeleted            Action = 59
	CoworkerContractUpdate Action = 60
	CoworkerContractCreate Action = 62
	FloorPlanDeskCreate    Action = 71
	FloorPlanDeskDelete    Action = 72
	FloorPlanDeskUpdate    Action = 73
	TariffCreate           Action = 74
	TariffDelete           Action = 75
	TariffUpdate           Action = 76
	CoworkerContractDelete Action = 77
	FloorPlanCreate        Action = 78
	FloorPlanDelete        Action = 79
	FloorPlanUpdate        Action = 80
	BusinessUpdate         Action = 84
)

// op is what happened to a record.
type op int

const (
	opCreate op = iota
	opUpdate
	opDelete
)

// actions maps an entity's create, update and delete to the action a
// webhook on it fires (0: none; e.g. booking visitors and sold time passes
// have no action in the record, so they are polled).
var actions = map[string][3]Action{
	Coworkers:         {CoworkerCreate, CoworkerUpdate, CoworkerDelete},
	Teams:             {TeamCreated, TeamUpdated, TeamDeleted},
	Bookings:          {BookingCreate, BookingUpdate, BookingDelete},
	CoworkerContracts: {CoworkerContractCreate, CoworkerContractUpdate, CoworkerContractDelete},
	FloorPlanDesks:    {FloorPlanDeskCreate, FloorPlanDeskUpdate, FloorPlanDeskDelete},
	Tariffs:           {TariffCreate, TariffUpdate, TariffDelete},
	FloorPlans:        {FloorPlanCreate, FloorPlanUpdate, FloorPlanDelete},
	Businesses:        {0, BusinessUpdate, 0},
}
