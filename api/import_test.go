package api_test

import (
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"doorsync/api"
)

// ndjson posts an import.
func (a *testAPI) ndjson(org, token, body string) response {
	a.t.Helper()
	return a.doRaw("POST", "/v1/orgs/"+org+"/import", token, "application/x-ndjson", body)
}

type importAnswer struct {
	Accepted      int `json:"accepted"`
	RejectedCount int `json:"rejected_count"`
	Rejected      []struct {
		Line   int `json:"line"`
		Errors []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"errors"`
	} `json:"rejected"`
}

func decodeImport(t *testing.T, r response) importAnswer {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("import = %d: %s", r.Status, r.Body)
	}
	var out importAnswer
	decode(t, r, &out)
	return out
}

// rejectedFields maps each rejected line to its fields.
func (ans importAnswer) rejectedFields() map[int][]string {
	out := map[int][]string{}
	for _, r := range ans.Rejected {
		for _, e := range r.Errors {
			out[r.Line] = append(out[r.Line], e.Field)
		}
	}
	return out
}

// newTeamOrg is an org "acme" with a membership of the whole team t1:
// every member imported into the team is granted access, so each member
// line queues a poke of their access. It returns the org's key.
func newTeamOrg(a *testAPI) string {
	key := a.createOrg("acme")
	a.must(201, "PUT", "/v1/orgs/acme/teams/t1", key, map[string]any{"name": "T"})
	a.must(201, "PUT", "/v1/orgs/acme/memberships/ms-team", key, map[string]any{
		"plan_id": "p1", "team_id": "t1", "starts_at": "2026-01-01T00:00:00Z"})
	return key
}

func TestImportTenThousandMembersInOneRequest(t *testing.T) {
	a := newTestAPI(t)
	key := newTeamOrg(a)
	const members = 10_000
	bad := map[int]string{ // line number → line
		3:     `{"type":"member","id":"bad id","email":"x@example.com"}`,
		4000:  ``, // blank: skipped, still numbered
		5000:  `{"type":"spaceship","id":"s1"}`,
		7777:  `not json`,
		9000:  `{"type":"member","id":"mz","email":"nope","shoe_size":44}`,
		10003: `{"type":"member","email":"x@example.com"}`,
	}
	var b strings.Builder
	n := 0
	for line := 1; n < members || bad[line] != "" || line == 4000; line++ {
		if l, ok := bad[line]; ok {
			b.WriteString(l + "\n")
			continue
		}
		n++
		fmt.Fprintf(&b, `{"type":"member","id":"m%d","email":"member%d@example.com","first_name":"M","last_name":"%d","team_id":"t1","access_cards":["%d"]}`+"\r\n", n, n, n, n)
	}
	start := time.Now()
	ans := decodeImport(t, a.ndjson("acme", key, b.String()))
	t.Logf("imported %d lines in %v", members+len(bad), time.Since(start))

	if ans.Accepted != members {
		t.Errorf("accepted = %d, want %d", ans.Accepted, members)
	}
	want := map[int][]string{3: {"id"}, 5000: {"type"}, 7777: {""}, 9000: {"shoe_size"}, 10003: {"id"}}
	if got := ans.rejectedFields(); !reflect.DeepEqual(got, want) {
		t.Errorf("rejected = %v, want %v", got, want)
	}
	if got := a.query("select count(*) from entities where org_id = 'acme' and kind = 'member'")[0][0]; got != fmt.Sprint(members) {
		t.Errorf("%s members stored, want %d", got, members)
	}
	if got := a.query("select count(*) from outbox where kind = 'access'")[0][0]; got != fmt.Sprint(members) {
		t.Errorf("%s access pokes queued, want %d", got, members)
	}
	// the store refreshed the table's statistics as the import grew it
	// (see store/growth.go; the last refreshes may still be under way)
	if got, _ := strconv.Atoi(a.query("select analyze_count from pg_stat_user_tables where relname = 'entities'")[0][0]); got < 3 {
		t.Errorf("entities analyzed %d times during the import, want at least 3", got)
	}
	m := a.must(200, "GET", "/v1/orgs/acme/members/m9999", key, nil).JSON(t)
	if m["email"] != "member9999@example.com" || !reflect.DeepEqual(m["access_cards"], []any{"9999"}) {
		t.Errorf("m9999 = %v", m)
	}
}

func TestImportEveryTypeThroughThePutPath(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	lines := []string{
		`{"type":"location","id":"l1","name":"London","time_zone":"Europe/London","salto_site_id":"` + siteLondon + `"}`,
		`{"type":"floor","id":"f1","location_id":"l1","name":"Ground"}`,
		`{"type":"resource","id":"r1","kind":"bookable","name":"Room","location_id":"l1","floor_id":"f1","buffer_after":"5m"}`,
		`{"type":"plan","id":"p1","name":"Hot desk"}`,
		`{"type":"team","id":"t1","name":"Acme"}`,
		`{"type":"member","id":"m1","email":"joe@example.com","team_id":"t1","version":5}`,
		`{"type":"membership","id":"ms1","plan_id":"p1","team_id":"t1","starts_at":"2026-01-01"}`,
		`{"type":"booking","id":"b1","resource_id":"r1","member_id":"m1","guests":[{"email":"g@example.com"}],"starts_at":"2026-11-22T09:00:00Z","ends_at":"2026-11-22T10:00:00Z"}`,
		`{"type":"day-pass","id":"dp1","member_id":"m1","location_id":"l1","passes":2,"valid_from":"2026-01-01","valid_until":"2026-01-31"}`,
		`{"type":"day_pass","id":"dp2","team_id":"t1","location_id":"l1","passes":1,"valid_from":"2026-01-01","valid_until":"2026-01-31"}`,
		`  `,
		`{"type":"member","id":"m1","email":"old@example.com","version":4}`,
		`{"type":"booking","id":"b2","resource_id":"r1","guests":[{"email":"g@example.com"},{"email":"bad"}],"starts_at":"2026-11-22T09:00:00Z","ends_at":"2026-11-22T08:00:00Z"}`,
		`{"type":"plan","id":"p2","name":"x","id":"p2"}`,
		`[1,2]`,
		`{"type":7,"id":"x"}`,
	}
	ans := decodeImport(t, a.ndjson("acme", key, strings.Join(lines, "\n")))
	if ans.Accepted != 10 {
		t.Errorf("accepted = %d, want 10", ans.Accepted)
	}
	// line 14 names "id" twice: a repeated key is refused, even with one value
	want := map[int][]string{12: {"version"}, 13: {"ends_at", "guests[1].email", "member_id"}, 14: {"id"}, 15: {""}, 16: {"type"}}
	if got := ans.rejectedFields(); !reflect.DeepEqual(got, want) {
		t.Errorf("rejected = %v, want %v", got, want)
	}
	for _, path := range []string{"locations/l1", "floors/f1", "resources/r1", "plans/p1", "teams/t1", "members/m1",
		"memberships/ms1", "bookings/b1", "day-passes/dp1", "day-passes/dp2"} {
		got := a.must(200, "GET", "/v1/orgs/acme/"+path, key, nil).JSON(t)
		if !reflect.DeepEqual(got["unresolved"], []any{}) {
			t.Errorf("%s unresolved = %v", path, got["unresolved"])
		}
	}
	if m := a.must(200, "GET", "/v1/orgs/acme/members/m1", key, nil).JSON(t); m["email"] != "joe@example.com" || m["version"] != 5.0 {
		t.Errorf("the stale line changed m1: %v", m)
	}
	if r := a.must(200, "GET", "/v1/orgs/acme/resources/r1", key, nil).JSON(t); r["buffer_after"] != "5m" {
		t.Errorf("r1 = %v", r)
	}
	// the same import again accepts every good line and changes nothing
	a.clearOutbox()
	if again := decodeImport(t, a.ndjson("acme", key, strings.Join(lines, "\n"))); again.Accepted != 10 || len(again.Rejected) != 5 {
		t.Errorf("repeat = %+v", again)
	}
	if got := a.outbox(); len(got) != 0 {
		t.Errorf("a repeated import queued %v", got)
	}
}

func TestImportRequestErrors(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	line := `{"type":"plan","id":"p1","name":"x"}`
	if r := a.doRaw("POST", "/v1/orgs/acme/import", key, "application/json", line); r.Status != 415 {
		t.Errorf("application/json = %d, want 415", r.Status)
	}
	if r := a.doRaw("POST", "/v1/orgs/acme/import", key, "", line); r.Status != 415 {
		t.Errorf("no content type = %d, want 415", r.Status)
	}
	if r := a.ndjson("nobody", adminToken, line); r.Status != 404 {
		t.Errorf("unknown org = %d, want 404", r.Status)
	}
	if ans := decodeImport(t, a.ndjson("acme", key, "")); ans.Accepted != 0 || len(ans.Rejected) != 0 {
		t.Errorf("empty import = %+v", ans)
	}
	// a line over 1 MiB is that line's rejection; the lines around it are read
	long := `{"type":"plan","id":"p2","name":"` + strings.Repeat("x", 1<<20) + `"}`
	ans := decodeImport(t, a.ndjson("acme", key, line+"\n"+long+"\r\n"+`{"type":"plan","id":"p3","name":"x"}`))
	if want := map[int][]string{2: {""}}; ans.Accepted != 2 || !reflect.DeepEqual(ans.rejectedFields(), want) ||
		!strings.Contains(ans.Rejected[0].Errors[0].Message, "longer than") {
		t.Errorf("long line = %+v", ans)
	}
	a.must(200, "GET", "/v1/orgs/acme/plans/p1", key, nil)
	a.must(404, "GET", "/v1/orgs/acme/plans/p2", key, nil)
	a.must(200, "GET", "/v1/orgs/acme/plans/p3", key, nil)
	// a last line over 1 MiB without a line break, and one of exactly 1 MiB
	exact := `{"type":"plan","id":"p4","name":"` + strings.Repeat("x", 1<<20-len(`{"type":"plan","id":"p4","name":""}`)) + `"}`
	ans = decodeImport(t, a.ndjson("acme", key, exact+"\n"+long))
	if want := map[int][]string{2: {""}}; ans.Accepted != 1 || !reflect.DeepEqual(ans.rejectedFields(), want) {
		t.Errorf("exact and long last line = %+v", ans)
	}
}

// The body is bounded by DOORSYNC_IMPORT_MAX_BYTES: a declared length over
// it is refused unread; a body that streams past it stops at the limit,
// keeping the lines before it.
func TestImportBodyLimit(t *testing.T) {
	const limit = 4096
	a := newTestAPI(t, func(d *api.Deps) { d.ImportMaxBytes = limit })
	key := a.createOrg("acme")
	var b strings.Builder
	for i := 0; b.Len() < 2*limit; i++ {
		fmt.Fprintf(&b, `{"type":"plan","id":"p%03d","name":"plan"}`+"\n", i)
	}
	body := b.String()

	r := a.ndjson("acme", key, body) // strings.Reader: Content-Length is set
	if r.Status != 413 || r.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(r.Body), "nothing was read") {
		t.Errorf("declared length over the limit = %d %s", r.Status, r.Body)
	}
	if n := a.query(`select count(*) from entities where kind = 'plan'`)[0][0]; n != "0" {
		t.Errorf("a refused import wrote %s plans", n)
	}

	r = a.chunked("acme", key, body)
	kept := strings.Count(body[:limit], "\n") // whole lines before the limit; the next one is cut
	if r.Status != 413 || !strings.Contains(string(r.Body), fmt.Sprintf("of the %d lines before it, %d were accepted", kept, kept)) {
		t.Errorf("streamed past the limit = %d %s, want 413 saying %d lines were accepted", r.Status, r.Body, kept)
	}
	if n := a.query(`select count(*) from entities where kind = 'plan'`)[0][0]; n != strconv.Itoa(kept) {
		t.Errorf("%s plans kept, want the %d lines before the limit", n, kept)
	}
	a.must(404, "GET", fmt.Sprintf("/v1/orgs/acme/plans/p%03d", kept), key, nil)

	if ans := decodeImport(t, a.chunked("acme", key, body[:limit-1])); ans.Accepted != kept || ans.RejectedCount != 1 {
		t.Errorf("a chunked body under the limit = %+v, want %d accepted and the cut last line rejected", ans, kept)
	}
}

// chunked posts an import without a declared length.
func (a *testAPI) chunked(org, token, body string) response {
	a.t.Helper()
	req, err := http.NewRequest("POST", a.URL+"/v1/orgs/"+org+"/import", io.MultiReader(strings.NewReader(body)))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: out}
}

// An import reports the first 1,000 rejected lines, in line order, and
// counts them all, however the writers order their outcomes; each
// rejection is bounded too.
func TestImportReportsTheFirstThousandRejections(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	a.must(201, "PUT", "/v1/orgs/acme/plans/p1", key, map[string]any{"name": "x", "version": 5})
	var b strings.Builder
	const lines = 1500
	for n := 1; n <= lines; n++ {
		switch {
		case n%4 == 0: // refused by a writer, after the store looked at it
			b.WriteString(`{"type":"plan","id":"p1","name":"y","version":1}` + "\n")
		case n == 7:
			b.WriteString(`{"type":"plan","id":"p2","` + strings.Repeat("k", 5000) + `":1}` + "\n")
		case n == 9:
			b.WriteString(`{"type":"booking","id":"b1","resource_id":"r1","member_id":"m1","starts_at":"2026-01-01T10:00:00Z","ends_at":"2026-01-01T11:00:00Z","guests":[` +
				strings.Repeat(`{"email":"bad"},`, 49) + `{"email":"bad"}]}` + "\n")
		default: // refused while parsing
			b.WriteString(`{"type":"spaceship","id":"s1"}` + "\n")
		}
	}
	ans := decodeImport(t, a.ndjson("acme", key, b.String()))
	if ans.Accepted != 0 || ans.RejectedCount != lines || len(ans.Rejected) != 1000 {
		t.Fatalf("accepted %d, rejected_count %d, %d listed; want 0, %d, 1000", ans.Accepted, ans.RejectedCount, len(ans.Rejected), lines)
	}
	for i, r := range ans.Rejected {
		if r.Line != i+1 {
			t.Fatalf("rejection %d is line %d, want line %d (the first 1,000 in order)", i, r.Line, i+1)
		}
	}
	if e := ans.Rejected[6].Errors; len(e) != 1 || len(e[0].Field) > 210 || !strings.HasPrefix(e[0].Field, "kkkk") {
		t.Errorf("line 7's unknown 5000-byte key is reported as %d errors, field of %d bytes", len(e), len(e[0].Field))
	}
	if e := ans.Rejected[8].Errors; len(e) != 11 || e[10].Message != "and 40 more errors" {
		t.Errorf("line 9's 50 bad guests are reported as %d errors, last %+v", len(e), e[len(e)-1])
	}
}

// Lines are written by several writers at once, but the lines of one
// entity keep their order: the last line of an entity wins.
func TestImportKeepsEachEntitysLineOrder(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	const members, rounds = 40, 5
	var b strings.Builder
	for r := range rounds {
		for m := range members {
			fmt.Fprintf(&b, `{"type":"member","id":"m%d","email":"m%d-r%d@example.com"}`+"\n", m, m, r)
		}
	}
	ans := decodeImport(t, a.ndjson("acme", key, b.String()))
	if ans.Accepted != members*rounds || len(ans.Rejected) != 0 {
		t.Fatalf("import = %+v", ans)
	}
	for m := range members {
		got := a.must(200, "GET", fmt.Sprintf("/v1/orgs/acme/members/m%d", m), key, nil).JSON(t)
		if want := fmt.Sprintf("m%d-r%d@example.com", m, rounds-1); got["email"] != want {
			t.Fatalf("m%d email = %v, want %s (the last line)", m, got["email"], want)
		}
	}
}

func TestImportRejectsALateLineOfADeletedEntity(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	line := func(version int, plan string) string {
		return fmt.Sprintf(`{"type":"membership","id":"ms1","plan_id":%q,"member_id":"m1","starts_at":"2026-01-01","version":%d}`, plan, version)
	}
	a.must(201, "PUT", "/v1/orgs/acme/memberships/ms1", key, map[string]any{
		"plan_id": "p1", "member_id": "m1", "starts_at": "2026-01-01", "version": 2})
	a.must(204, "DELETE", "/v1/orgs/acme/memberships/ms1", key, nil)
	a.clearOutbox()
	ans := decodeImport(t, a.ndjson("acme", key, line(2, "p1")+"\n"+line(1, "p2")))
	if want := map[int][]string{1: {"version"}, 2: {"version"}}; ans.Accepted != 0 || !reflect.DeepEqual(ans.rejectedFields(), want) {
		t.Errorf("late lines = %+v, want both rejected on version", ans)
	}
	a.must(404, "GET", "/v1/orgs/acme/memberships/ms1", key, nil)
	if got := a.outbox(); len(got) != 0 {
		t.Errorf("rejected lines queued %v", got)
	}
	if ans := decodeImport(t, a.ndjson("acme", key, line(3, "p3"))); ans.Accepted != 1 || len(ans.Rejected) != 0 {
		t.Errorf("newer line = %+v", ans)
	}
	if ms := a.must(200, "GET", "/v1/orgs/acme/memberships/ms1", key, nil).JSON(t); ms["plan_id"] != "p3" || ms["version"] != 3.0 {
		t.Errorf("recreated = %v", ms)
	}
}

// An import holds the pokes of the lines it has written while it reads on
// (they are not due, so the relay does not compete with the writing) and
// releases them all when it answers.
func TestImportHoldsItsPokesUntilItAnswers(t *testing.T) {
	a := newTestAPI(t)
	key := newTeamOrg(a)
	a.query("delete from outbox") // the set-up's pokes
	const first = 20
	body, send := io.Pipe()
	req, _ := http.NewRequest("POST", a.URL+"/v1/orgs/acme/import", body)
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+key)
	answered := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
		}
		answered <- resp
	}()
	line := func(n int) string {
		return fmt.Sprintf(`{"type":"member","id":"m%d","email":"m%d@example.com","team_id":"t1"}`+"\n", n, n)
	}
	for n := range first {
		if _, err := io.WriteString(send, line(n)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for a.query("select count(*) from outbox where kind = 'access'")[0][0] != fmt.Sprint(first) {
		if time.Now().After(deadline) {
			t.Fatalf("the first %d lines' pokes were not queued within 10 s", first)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if due := a.query("select count(*) from outbox where next_attempt_at <= now()")[0][0]; due != "0" {
		t.Fatalf("%s pokes due while the import still reads, want none", due)
	}

	if _, err := io.WriteString(send, line(first)); err != nil {
		t.Fatal(err)
	}
	send.Close()
	resp := <-answered
	if resp == nil {
		t.FailNow()
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("import = %d", resp.StatusCode)
	}
	got := a.query("select count(*) filter (where next_attempt_at <= now()), count(*), count(*) filter (where kind = 'access') from outbox")[0]
	if got[0] != got[1] || got[2] != fmt.Sprint(first+1) {
		t.Errorf("after the answer (due, queued, access) = %v, want every poke due, one access poke a line", got)
	}
}
