package officernd_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"doorsync/access"
	"doorsync/connectors"
	"doorsync/connectors/officernd"
	"doorsync/connectors/officernd/officerndtest"
)

func newFake(t testing.TB, opts ...officerndtest.Option) *officerndtest.Server {
	t.Helper()
	f := officerndtest.NewServer(opts...)
	t.Cleanup(f.Close)
	return f
}

func newClient(f *officerndtest.Server, edit ...func(*officernd.Config)) *officernd.Client {
	cfg := officernd.Config{
		OrgSlug: f.Slug(), ClientID: officerndtest.DefaultClientID, ClientSecret: officerndtest.DefaultClientSecret,
		WebhookSecret: f.WebhookSecret(), BaseURL: f.URL, IdentityURL: f.URL,
	}
	for _, e := range edit {
		e(&cfg)
	}
	return officernd.New(cfg)
}

// readStream reads every page of stream, failing the test on an error.
func readStream(t testing.TB, c connectors.Connector, stream string, since *time.Time) (connectors.Page, int) {
	t.Helper()
	var all connectors.Page
	pages, cursor := 0, ""
	for {
		p, err := c.Page(context.Background(), stream, since, cursor)
		if err != nil {
			t.Fatalf("page %d of %s: %v", pages+1, stream, err)
		}
		pages++
		all.Records = append(all.Records, p.Records...)
		all.Deleted = append(all.Deleted, p.Deleted...)
		all.Calls += p.Calls
		if p.Next == "" {
			return all, pages
		}
		cursor = p.Next
	}
}

// body decodes a record's body into a map.
func body(t testing.TB, r connectors.Record) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body of %s %s: %v", r.Kind, r.ID, err)
	}
	return m
}

func byID(recs []connectors.Record) map[string]connectors.Record {
	out := map[string]connectors.Record{}
	for _, r := range recs {
		out[r.ID] = r
	}
	return out
}

func refs(kind access.Kind, ids ...string) []connectors.Ref {
	var out []connectors.Ref
	for _, id := range ids {
		out = append(out, connectors.Ref{Kind: kind, ID: id})
	}
	return out
}

func seedMembers(f *officerndtest.Server, n int) {
	for i := range n {
		f.AddMember(officerndtest.Member{Name: "Member " + itoa(i), Email: "m" + itoa(i) + "@example.com", Status: "active"})
	}
}

func itoa(i int) string { return json.Number(jsonInt(i)).String() }

func jsonInt(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
