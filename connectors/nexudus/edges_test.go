package nexudus_test

import (
	"testing"

	"doorsync/access"
	"doorsync/connectors"
	"doorsync/connectors/nexudus"
	"doorsync/connectors/nexudus/nexudustest"
)

// What a record becomes at the edges the record leaves to us.
func TestTranslationEdges(t *testing.T) {
	f := newFake(t)
	s := seed(f)
	c := newClient(f)
	cancelled := f.Put(nexudustest.CoworkerContracts, nexudustest.M{"CoworkerId": s.bob, "TariffId": s.plan,
		"StartDate": "2026-01-01T00:00:00Z", "Active": false, "Cancelled": true})
	future := f.Put(nexudustest.CoworkerContracts, nexudustest.M{"CoworkerId": s.bob, "TariffId": s.plan,
		"StartDate": "2099-01-01T09:00:00Z", "Active": false})
	archived := f.Put(nexudustest.Coworkers, nexudustest.M{"FullName": "Old", "Email": "old@example.com", "Archived": true})
	noMail := f.Put(nexudustest.Coworkers, nexudustest.M{"FullName": "Contact"})
	timed := f.Put(nexudustest.TimePasses, nexudustest.M{"Name": "10 hours", "MinutesIncluded": 600})
	hours := f.Put(nexudustest.CoworkerTimePasses, nexudustest.M{"CoworkerId": s.bob, "BusinessId": s.loc, "TimePassId": timed})
	f.Update(nexudustest.CoworkerTimePasses, s.dayPass, nexudustest.M{"Used": true, "RemainingUses": 0,
		"UsedDate": "2026-03-04T10:00:00Z"})

	ms, _, _ := readAll(t, c, nexudus.StreamMemberships, nil)
	if ends := body(t, ms[itoa(cancelled)])["ends_at"]; ends == nil {
		t.Errorf("a cancelled contract without a date has no end")
	}
	if got := body(t, ms[itoa(future)]); got["ends_at"] != nil || got["starts_at"] != "2099-01-01T09:00:00Z" {
		t.Errorf("a future inactive contract = %v, want open from its start", got)
	}
	members, deleted, _ := readAll(t, c, nexudus.StreamMembers, nil)
	if _, ok := members[itoa(noMail)]; ok {
		t.Errorf("a coworker without an e-mail became a member")
	}
	if len(deleted) != 1 || deleted[0] != (connectors.Ref{Kind: access.KindMember, ID: itoa(archived)}) {
		t.Errorf("deleted %v, want the archived coworker", deleted)
	}
	passes, _, _ := readAll(t, c, nexudus.StreamDayPasses, nil)
	if _, ok := passes[itoa(hours)]; ok {
		t.Errorf("a time pass with minutes became a day pass")
	}
	if got := body(t, passes[itoa(s.dayPass)]); got["valid_from"] != "2026-03-04" || got["valid_until"] != "2026-03-04" {
		t.Errorf("a used day pass = %v, want the day of its use", got)
	}
}
