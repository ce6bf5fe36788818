package saltokstest

import (
	"net/url"
	"testing"
)

type item struct{ email, name, state string }

var itemFields = fields[item]{
	"user/email":         func(i item) string { return i.email },
	"customer_reference": func(i item) string { return i.name },
	"subscription_state": func(i item) string { return i.state },
}

func TestFilterMatches(t *testing.T) {
	ada := item{email: "ada@example.com", name: "Front door #101", state: "subscribed"}
	tests := []struct {
		filter string
		want   bool
	}{
		{"user/email eq 'ada@example.com'", true},
		{"user/email eq 'ADA@example.com'", true},
		{"user/email eq 'bob@example.com'", false},
		{"contains(customer_reference,'#101')", true},
		{"contains(customer_reference, 'door')", true},
		{"contains(customer_reference,'#102')", false},
		{"user/email eq 'ada@example.com' and subscription_state eq 'subscribed'", true},
		{"(user/email eq 'ada@example.com') and (subscription_state eq 'suspended')", false},
		{"customer_reference eq 'O''Brien'", false},
		{"subscription_state eq null", false},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			n, err := parseFilter(tt.filter)
			if err != nil {
				t.Fatalf("parseFilter: %v", err)
			}
			match, err := compileFilter(n, itemFields)
			if err != nil {
				t.Fatalf("compileFilter: %v", err)
			}
			if got := match(ada); got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFilterQuoteEscape(t *testing.T) {
	n, err := parseFilter("customer_reference eq 'O''Brien'")
	if err != nil {
		t.Fatal(err)
	}
	if eq := n.(eqNode); eq.value != "O'Brien" {
		t.Errorf("value = %q, want O'Brien", eq.value)
	}
}

func TestFilterRejects(t *testing.T) {
	for _, f := range []string{
		"user/email ne 'x'",
		"user/email eq",
		"user/email eq 'unterminated",
		"contains(customer_reference)",
		"(user/email eq 'x'",
		"user/email eq 'x' or user/email eq 'y'",
		"user/email eq 'x' garbage",
		"user/email eq 'x' & 1",
	} {
		if _, err := parseFilter(f); err == nil {
			t.Errorf("parseFilter(%q) succeeded, want an error", f)
		}
	}
	n, err := parseFilter("nosuchfield eq 'x'")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := compileFilter(n, itemFields); err == nil {
		t.Error("compileFilter accepted an unknown field")
	}
}

func TestParseListQuery(t *testing.T) {
	q, bad := parseListQuery(url.Values{"$top": {"5"}, "$skip": {"10"}, "$inlinecount": {"allpages"}, "$orderby": {"a desc, b"}})
	if bad != nil {
		t.Fatalf("unexpected error %+v", bad.body)
	}
	if q.top != 5 || q.skip != 10 || !q.inlineCount || len(q.orderBy) != 2 || !q.orderBy[0].desc || q.orderBy[1].desc {
		t.Errorf("parsed %+v", q)
	}
	for _, v := range []url.Values{
		{"$top": {"-1"}}, {"$skip": {"x"}}, {"$inlinecount": {"some"}}, {"$orderby": {"a sideways"}}, {"$filter": {"a ne 'b'"}},
	} {
		if _, bad := parseListQuery(v); bad == nil || bad.body.(errorBody).ErrorCode != codeBadQuery {
			t.Errorf("parseListQuery(%v) = %v, want 400 1102", v, bad)
		}
	}
}

func TestOrderedKeepsInsertionOrder(t *testing.T) {
	o := newOrdered[int]()
	for i, k := range []string{"c", "a", "b"} {
		o.put(k, i)
	}
	o.del("a")
	o.put("a", 9)
	o.put("c", 7) // replacing keeps the position
	got := o.values()
	want := []int{7, 2, 9}
	if len(got) != len(want) {
		t.Fatalf("values = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("values = %v, want %v", got, want)
		}
	}
}
