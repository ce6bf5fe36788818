package officerndtest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"doorsync/internal/fakeserve"
)

// Run serves the fake on addr (e.g. "127.0.0.1:8091") until ctx ends,
// seeded with SeedDemo, for local runs. Requests are logged at Info
// (method, path, status, duration; never headers or bodies). logger may be
// nil.
func Run(ctx context.Context, addr string, logger *slog.Logger, opts ...Option) error {
	s := New(opts...)
	s.SeedDemo()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("officerndtest: %w", err)
	}
	s.URL = "http://" + ln.Addr().String()
	return fakeserve.Serve(ctx, ln, s.handler, logger, "fake OfficeRnD", "slug", s.Slug())
}

// The ids SeedDemo gives the objects a demo maps or refers to (the
// location, the plans and the meeting room); the others get fresh ids.
const (
	DemoLocationID      = "64a000000000000000000001"
	DemoHotDeskPlanID   = "64a000000000000000000002"
	DemoDedicatedPlanID = "64a000000000000000000003"
	DemoBoardRoomID     = "64a000000000000000000004"
)

// SeedDemo seeds a small space: one location, a floor, two plans, a
// company with a team membership, three members (one with a dedicated
// desk), a meeting room with a booking that has a visitor, and a company's
// day passes.
func (s *Server) SeedDemo() {
	now := time.Now().UTC().Truncate(24 * time.Hour)
	loc := s.AddLocation(Location{ID: DemoLocationID, Name: "Demo Space", Timezone: "Europe/London", IsOpen: true})
	fl := s.AddFloor(Floor{Name: "Ground floor", Floor: "0", Location: loc, IsOpen: true})
	hot := s.AddPlan(Plan{ID: DemoHotDeskPlanID, Name: "Hot desk", Type: "hotdesk", Locations: []string{loc}})
	ded := s.AddPlan(Plan{ID: DemoDedicatedPlanID, Name: "Dedicated desk", Type: "desk", Locations: []string{loc}})
	acme := s.AddCompany(Company{Name: "Acme Ltd", Location: loc, Status: "active"})
	ada := s.AddMember(Member{Name: "Ada Lovelace", Email: "ada@example.com", Location: loc, Status: "active"})
	grace := s.AddMember(Member{Name: "Grace Hopper", Email: "grace@example.com", Location: loc, Status: "active"})
	s.AddMember(Member{Name: "Alan Turing", Email: "alan@example.com", Location: loc, Company: acme, Status: "active"})
	room := s.AddResource(Resource{ID: DemoBoardRoomID, Name: "Board room", Type: "meeting_room", Location: loc, Floor: fl, Size: 8})
	desk := s.AddResource(Resource{Name: "Desk 1", Type: "desk", Location: loc, Floor: fl})
	s.AddMembership(Membership{Name: "Hot desk", IsPersonal: true, Status: "approved", CalculatedStatus: "active",
		Type: "month_to_month", Location: loc, Plan: hot, Member: ada, StartDate: now.AddDate(0, -1, 0)})
	ms := s.AddMembership(Membership{Name: "Dedicated desk", IsPersonal: true, Status: "approved", CalculatedStatus: "active",
		Type: "month_to_month", Location: loc, Plan: ded, Member: grace, StartDate: now.AddDate(0, -1, 0)})
	s.AddAssignment(Assignment{Resource: desk, Membership: ms, StartDate: now.AddDate(0, -1, 0)})
	s.AddMembership(Membership{Name: "Team hot desk", Status: "approved", CalculatedStatus: "active", Type: "fixed",
		Location: loc, Plan: hot, Company: acme, StartDate: now.AddDate(0, -1, 0), EndDate: now.AddDate(0, 6, 0)})
	v := s.AddVisitor(Visitor{Name: "Charles Babbage", Email: "charles@example.com", Member: ada, Type: "preregistration"})
	start := time.Now().UTC().Add(time.Hour).Truncate(time.Hour)
	s.AddBooking(Booking{Start: start, End: start.Add(time.Hour), Member: ada, Resource: room, Location: loc,
		Visitors: []string{v}, Title: "Board meeting"})
	s.AddPass(Pass{Count: 10, Company: acme, ValidFrom: now, ValidTo: now.AddDate(0, 1, 0), Status: "valid", ResourceType: "hotdesk"})
}
