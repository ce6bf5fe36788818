package nexudustest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
)

// Seed is a fake's starting state, as JSON: the admin users, the webhook
// secret, and records per entity path (their Ids kept when given, so
// records can name each other), created in the order of entityOrder.
type Seed struct {
	Users         []SeedUser     `json:"users"`
	WebhookSecret string         `json:"webhook_secret"`
	Records       map[string][]M `json:"records"`
}

// SeedUser is an admin user.
type SeedUser struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// DemoSeed is a small space: one location with a floor, desks, a meeting
// room, a plan, a team of members with a contract each, a booking with a
// visitor and a day pass; user doorsync@demo.example, password "demo",
// webhook secret "demo-webhook-secret".
//
//go:embed testdata/demo-seed.json
var DemoSeed []byte

// entityOrder creates what others name first.
var entityOrder = []string{Businesses, FloorPlans, FloorPlanDesks, Resources, Tariffs, TimePasses, Coworkers,
	Teams, CoworkerContracts, Bookings, BookingVisitors, CoworkerTimePasses}

// Load applies a seed.
func (s *Server) Load(seed Seed) error {
	for path := range seed.Records {
		if _, ok := entities[path]; !ok {
			return fmt.Errorf("nexudustest: seed: unknown entity %q", path)
		}
	}
	for _, u := range seed.Users {
		s.AddUser(u.Email, u.Password)
	}
	s.SetWebhookSecret(seed.WebhookSecret)
	for _, path := range entityOrder {
		for _, r := range seed.Records[path] {
			s.Put(path, r)
		}
	}
	return nil
}

// LoadJSON applies a seed given as JSON.
func (s *Server) LoadJSON(data []byte) error {
	var seed Seed
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&seed); err != nil {
		return fmt.Errorf("nexudustest: seed: %w", err)
	}
	return s.Load(seed)
}

// LoadFile applies a seed file (DemoSeed when path is "").
func (s *Server) LoadFile(path string) error {
	if path == "" {
		return s.LoadJSON(DemoSeed)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("nexudustest: seed: %w", err)
	}
	return s.LoadJSON(data)
}
