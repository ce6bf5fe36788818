package api_test

import (
	"fmt"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// contractOperations is every operation of API.md (shared/API.md); the
// document must describe exactly these.
var contractOperations = []struct{ method, path string }{
	// Orgs and API keys.
	{"PUT", "/v1/orgs/{org}"},
	{"GET", "/v1/orgs/{org}"},
	{"POST", "/v1/orgs/{org}/api-keys"},
	{"DELETE", "/v1/orgs/{org}/api-keys/{id}"},
	{"GET", "/v1/orgs"},
	{"DELETE", "/v1/orgs/{org}"},

	// The Temporal payload codec (not in API.md: an operator's endpoint
	// for the Temporal UI and CLI, issue 19).
	{"POST", "/v1/codec/decode"},
	{"POST", "/v1/codec/encode"},

	// Salto KS connection.
	{"PUT", "/v1/orgs/{org}/salto"},
	{"GET", "/v1/orgs/{org}/salto"},
	{"GET", "/v1/orgs/{org}/salto/authorize"},
	{"GET", "/v1/salto/callback"},
	{"GET", "/v1/orgs/{org}/salto/sites"},
	{"GET", "/v1/orgs/{org}/salto/sites/{site}/access-groups"},

	// Platform connection (issue 20).
	{"PUT", "/v1/orgs/{org}/platform"},
	{"GET", "/v1/orgs/{org}/platform"},
	{"DELETE", "/v1/orgs/{org}/platform"},
	{"POST", "/v1/orgs/{org}/platform/sync"}, // an extension: a full run now, approving held deletions
	{"POST", "/v1/hooks/officernd/{org}"},
	{"POST", "/v1/hooks/nexudus/{org}"},

	// Space entities, and their lists (issue 21).
	{"GET", "/v1/orgs/{org}/locations"},
	{"GET", "/v1/orgs/{org}/floors"},
	{"GET", "/v1/orgs/{org}/resources"},
	{"GET", "/v1/orgs/{org}/plans"},
	{"GET", "/v1/orgs/{org}/teams"},
	{"GET", "/v1/orgs/{org}/members"},
	{"GET", "/v1/orgs/{org}/memberships"},
	{"GET", "/v1/orgs/{org}/bookings"},
	{"GET", "/v1/orgs/{org}/day-passes"},
	{"PUT", "/v1/orgs/{org}/locations/{id}"},
	{"GET", "/v1/orgs/{org}/locations/{id}"},
	{"DELETE", "/v1/orgs/{org}/locations/{id}"},
	{"PATCH", "/v1/orgs/{org}/locations/{id}"},
	{"PUT", "/v1/orgs/{org}/floors/{id}"},
	{"GET", "/v1/orgs/{org}/floors/{id}"},
	{"DELETE", "/v1/orgs/{org}/floors/{id}"},
	{"PUT", "/v1/orgs/{org}/resources/{id}"},
	{"GET", "/v1/orgs/{org}/resources/{id}"},
	{"DELETE", "/v1/orgs/{org}/resources/{id}"},
	{"PATCH", "/v1/orgs/{org}/resources/{id}"},
	{"PUT", "/v1/orgs/{org}/plans/{id}"},
	{"GET", "/v1/orgs/{org}/plans/{id}"},
	{"DELETE", "/v1/orgs/{org}/plans/{id}"},
	{"PUT", "/v1/orgs/{org}/teams/{id}"},
	{"GET", "/v1/orgs/{org}/teams/{id}"},
	{"DELETE", "/v1/orgs/{org}/teams/{id}"},
	{"PUT", "/v1/orgs/{org}/members/{id}"},
	{"GET", "/v1/orgs/{org}/members/{id}"},
	{"DELETE", "/v1/orgs/{org}/members/{id}"},
	{"PUT", "/v1/orgs/{org}/memberships/{id}"},
	{"GET", "/v1/orgs/{org}/memberships/{id}"},
	{"DELETE", "/v1/orgs/{org}/memberships/{id}"},
	{"PUT", "/v1/orgs/{org}/bookings/{id}"},
	{"GET", "/v1/orgs/{org}/bookings/{id}"},
	{"DELETE", "/v1/orgs/{org}/bookings/{id}"},
	{"PUT", "/v1/orgs/{org}/day-passes/{id}"},
	{"GET", "/v1/orgs/{org}/day-passes/{id}"},
	{"DELETE", "/v1/orgs/{org}/day-passes/{id}"},
	{"POST", "/v1/orgs/{org}/day-passes/{id}/uses"},
	{"POST", "/v1/orgs/{org}/import"},

	// Mappings.
	{"PUT", "/v1/orgs/{org}/mappings/{kind}/{id}"},
	{"DELETE", "/v1/orgs/{org}/mappings/{kind}/{id}"},
	{"GET", "/v1/orgs/{org}/mappings"},

	// Access, audit, reconciliation.
	{"GET", "/v1/orgs/{org}/members/{id}/access"},
	{"GET", "/v1/orgs/{org}/guests/{email}/access"},
	{"GET", "/v1/orgs/{org}/audit"},
	{"POST", "/v1/orgs/{org}/reconcile"},
	{"GET", "/v1/orgs/{org}/reconcile/runs/{run_id}"},
	{"GET", "/v1/orgs/{org}/holds"},
	{"POST", "/v1/orgs/{org}/holds/{id}/approve"},
	{"POST", "/v1/orgs/{org}/holds/{id}/reject"},
	{"GET", "/v1/orgs/{org}/problems"},
	{"POST", "/v1/orgs/{org}/members/{id}/reapply"},

	// Notifications. The list of webhooks (GET …/webhooks) extends API.md's
	// table, which names one webhook's GET.
	{"PUT", "/v1/orgs/{org}/webhooks/{id}"},
	{"GET", "/v1/orgs/{org}/webhooks/{id}"},
	{"DELETE", "/v1/orgs/{org}/webhooks/{id}"},
	{"GET", "/v1/orgs/{org}/webhooks"},
	{"GET", "/v1/orgs/{org}/webhooks/{id}/deliveries"},
	{"POST", "/v1/orgs/{org}/webhooks/{id}/test"},

	// Operations.
	{"GET", "/healthz"},
	{"GET", "/readyz"},
	{"GET", "/metrics"},
	{"GET", "/openapi.yaml"},
}

// publicPaths need no bearer token.
var publicPaths = []string{"/healthz", "/readyz", "/metrics", "/openapi.yaml", "/v1/salto/callback",
	"/v1/hooks/officernd/{org}", "/v1/hooks/nexudus/{org}"}

var httpMethods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

// loadOpenAPI parses openapi.yaml as generic YAML.
func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.yaml is not YAML: %v", err)
	}
	return doc
}

// asMap returns v as a string-keyed map, or nil.
func asMap(v any) map[string]any {
	switch m := v.(type) {
	case map[string]any:
		return m
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, val := range m {
			out[fmt.Sprint(k)] = val
		}
		return out
	}
	return nil
}

// dig follows keys from v; nil when any is missing.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m := asMap(v)
		if m == nil {
			return nil
		}
		v = m[k]
	}
	return v
}

// operations lists each (METHOD, path) of the document with its operation.
func operations(t *testing.T, doc map[string]any) map[[2]string]map[string]any {
	t.Helper()
	paths := asMap(doc["paths"])
	if len(paths) == 0 {
		t.Fatal("the document has no paths")
	}
	ops := map[[2]string]map[string]any{}
	for path, item := range paths {
		for _, m := range httpMethods {
			if op := asMap(asMap(item)[m]); op != nil {
				ops[[2]string{strings.ToUpper(m), path}] = op
			}
		}
	}
	return ops
}

// resolve follows a local JSON pointer ("#/components/schemas/Org").
func resolve(doc map[string]any, ref string) (any, error) {
	ptr, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, fmt.Errorf("%q is not a local reference", ref)
	}
	ptr, err := url.PathUnescape(ptr)
	if err != nil {
		return nil, err
	}
	var v any = doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m := asMap(v)
		if m == nil {
			return nil, fmt.Errorf("%q: %q is not inside an object", ref, tok)
		}
		next, ok := m[tok]
		if !ok {
			return nil, fmt.Errorf("%q: no %q", ref, tok)
		}
		v = next
	}
	return v, nil
}

// deref resolves v when it is a {$ref: …} object.
func deref(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	for range 10 {
		ref, ok := asMap(v)["$ref"].(string)
		if !ok {
			return asMap(v)
		}
		var err error
		if v, err = resolve(doc, ref); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("reference chain too long")
	return nil
}

// walkRefs calls fn with the location and value of every $ref.
func walkRefs(v any, at string, fn func(at, ref string)) {
	switch n := v.(type) {
	case []any:
		for i, e := range n {
			walkRefs(e, fmt.Sprintf("%s/%d", at, i), fn)
		}
	default:
		m := asMap(v)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "$ref" {
				ref, _ := m[k].(string)
				fn(at, ref)
				continue
			}
			walkRefs(m[k], at+"/"+k, fn)
		}
	}
}

func TestOpenAPIDocumentIsWellFormed(t *testing.T) {
	doc := loadOpenAPI(t)

	if v, _ := doc["openapi"].(string); !regexp.MustCompile(`^3\.1\.\d+$`).MatchString(v) {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	if dig(doc, "info", "title") == nil || dig(doc, "info", "version") == nil {
		t.Error("info needs a title and a version")
	}
	if dig(doc, "info", "license", "identifier") != "Apache-2.0" || dig(doc, "info", "license", "url") != nil {
		t.Error(`info.license needs identifier "Apache-2.0" (the LICENSE file's) and no url (3.1: one or the other)`)
	}

	opIDs := map[string]string{}
	validStatus := regexp.MustCompile(`^([1-5][0-9][0-9]|[1-5]XX|default)$`)
	for key, op := range operations(t, doc) {
		where := key[0] + " " + key[1]
		responses := asMap(op["responses"])
		if len(responses) == 0 {
			t.Errorf("%s has no responses", where)
		}
		for code, resp := range responses {
			if !validStatus.MatchString(code) {
				t.Errorf("%s: response key %q is not a status code", where, code)
			}
			if r := deref(t, doc, resp); r == nil || r["description"] == nil {
				t.Errorf("%s %s: a response needs a description", where, code)
			}
		}
		id, _ := op["operationId"].(string)
		if id == "" {
			t.Errorf("%s has no operationId", where)
		} else if other, dup := opIDs[id]; dup {
			t.Errorf("operationId %q is used by both %s and %s", id, other, where)
		}
		opIDs[id] = where
	}

	walkRefs(doc, "#", func(at, ref string) {
		if !strings.HasPrefix(ref, "#/components/") {
			t.Errorf("%s: $ref %q does not point into components", at, ref)
			return
		}
		if _, err := resolve(doc, ref); err != nil {
			t.Errorf("%s: %v", at, err)
		}
	})
}

func TestOpenAPIPathParametersAreDeclared(t *testing.T) {
	doc := loadOpenAPI(t)
	tmpl := regexp.MustCompile(`\{([^}]+)\}`)
	for path, item := range asMap(doc["paths"]) {
		var want []string
		for _, m := range tmpl.FindAllStringSubmatch(path, -1) {
			want = append(want, m[1])
		}
		slices.Sort(want)
		pathParams := asSlice(asMap(item)["parameters"])
		for _, method := range httpMethods {
			op := asMap(asMap(item)[method])
			if op == nil {
				continue
			}
			var got []string
			for _, p := range append(slices.Clone(pathParams), asSlice(op["parameters"])...) {
				p := deref(t, doc, p)
				if p["in"] != "path" {
					continue
				}
				name, _ := p["name"].(string)
				if p["required"] != true {
					t.Errorf("%s %s: path parameter %q must be required", method, path, name)
				}
				if !slices.Contains(got, name) {
					got = append(got, name)
				}
			}
			slices.Sort(got)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s: path parameters %v, want %v", method, path, got, want)
			}
		}
	}
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func TestOpenAPICoversTheContract(t *testing.T) {
	doc := loadOpenAPI(t)
	ops := operations(t, doc)
	want := map[[2]string]bool{}
	for _, c := range contractOperations {
		key := [2]string{c.method, c.path}
		want[key] = true
		if ops[key] == nil {
			t.Errorf("%s %s of API.md is missing from openapi.yaml", c.method, c.path)
		}
	}
	for key := range ops {
		if !want[key] {
			t.Errorf("openapi.yaml has %s %s, which API.md does not name", key[0], key[1])
		}
	}
}

func TestOpenAPISecurity(t *testing.T) {
	doc := loadOpenAPI(t)
	if dig(doc, "components", "securitySchemes", "bearerAuth", "scheme") != "bearer" {
		t.Error("components.securitySchemes.bearerAuth must be an http bearer scheme")
	}
	global := asSlice(doc["security"])
	if len(global) != 1 || asMap(global[0])["bearerAuth"] == nil {
		t.Errorf("global security = %v, want bearerAuth", global)
	}
	for key, op := range operations(t, doc) {
		sec, set := op["security"]
		public := set && len(asSlice(sec)) == 0
		if want := slices.Contains(publicPaths, key[1]); public != want {
			t.Errorf("%s %s: public = %v, want %v", key[0], key[1], public, want)
		}
	}
}

// TestOpenAPIStatusCodes checks the status codes API.md fixes.
func TestOpenAPIStatusCodes(t *testing.T) {
	doc := loadOpenAPI(t)
	ops := operations(t, doc)
	has := func(method, path string, codes ...string) {
		t.Helper()
		op := ops[[2]string{method, path}]
		if op == nil {
			return // reported by TestOpenAPICoversTheContract
		}
		for _, c := range codes {
			if asMap(op["responses"])[c] == nil {
				t.Errorf("%s %s: no %s response", method, path, c)
			}
		}
	}
	for _, e := range []string{"locations", "floors", "resources", "plans", "teams", "members", "memberships", "bookings", "day-passes"} {
		p := "/v1/orgs/{org}/" + e + "/{id}"
		has("PUT", p, "200", "201", "400", "401", "404", "409", "413", "415")
		has("GET", p, "200", "401", "404")
		has("DELETE", p, "204", "401", "404")
		has("GET", "/v1/orgs/{org}/"+e, "200", "400", "401", "404")
	}
	for _, e := range []string{"locations", "resources"} {
		has("PATCH", "/v1/orgs/{org}/"+e+"/{id}", "200", "400", "401", "403", "404", "415")
	}
	has("PUT", "/v1/orgs/{org}", "200", "201", "400", "401")
	has("POST", "/v1/orgs/{org}/api-keys", "201")
	has("DELETE", "/v1/orgs/{org}/api-keys/{id}", "204")
	has("GET", "/v1/orgs", "200", "401", "403")
	has("DELETE", "/v1/orgs/{org}", "202", "401", "403", "404", "409")
	has("PUT", "/v1/orgs/{org}/salto", "200", "400", "502")
	has("PUT", "/v1/orgs/{org}/platform", "200", "400", "401", "403", "404", "502")
	has("DELETE", "/v1/orgs/{org}/platform", "204", "404")
	has("POST", "/v1/hooks/officernd/{org}", "200", "401", "413")
	has("POST", "/v1/hooks/nexudus/{org}", "200", "401", "413")
	has("GET", "/v1/orgs/{org}/salto/authorize", "302", "400")
	has("GET", "/v1/salto/callback", "200", "400")
	has("POST", "/v1/orgs/{org}/day-passes/{id}/uses", "200", "409")
	has("POST", "/v1/orgs/{org}/import", "200", "415")
	has("PUT", "/v1/orgs/{org}/mappings/{kind}/{id}", "200", "201", "400")
	has("DELETE", "/v1/orgs/{org}/mappings/{kind}/{id}", "204", "404")
	has("POST", "/v1/orgs/{org}/reconcile", "200", "202")
	has("POST", "/v1/orgs/{org}/holds/{id}/approve", "202")
	has("POST", "/v1/orgs/{org}/holds/{id}/reject", "204")
	has("GET", "/readyz", "200", "503")
	has("PUT", "/v1/orgs/{org}/webhooks/{id}", "200", "201", "400", "401", "403", "404", "415")
	has("GET", "/v1/orgs/{org}/webhooks/{id}", "200", "401", "403", "404")
	has("DELETE", "/v1/orgs/{org}/webhooks/{id}", "204", "401", "403", "404")
	has("GET", "/v1/orgs/{org}/webhooks/{id}/deliveries", "200", "404")
	has("POST", "/v1/orgs/{org}/webhooks/{id}/test", "202", "404")
	has("GET", "/v1/orgs/{org}/problems", "200", "401", "404")
	has("POST", "/v1/orgs/{org}/members/{id}/reapply", "202", "401", "404")

	if dig(ops[[2]string{"POST", "/v1/orgs/{org}/import"}], "requestBody", "content", "application/x-ndjson") == nil {
		t.Error("the import must take application/x-ndjson")
	}
	for _, code := range []string{"400", "401", "404"} {
		r := deref(t, doc, dig(ops[[2]string{"GET", "/v1/orgs/{org}"}], "responses", code))
		if dig(r, "content", "application/problem+json") == nil {
			t.Errorf("%s must be application/problem+json", code)
		}
	}
}

// TestOpenAPISchemas checks the defaults, enums and patterns API.md fixes.
func TestOpenAPISchemas(t *testing.T) {
	doc := loadOpenAPI(t)
	schema := func(name string) map[string]any {
		t.Helper()
		s := asMap(dig(doc, "components", "schemas", name))
		if s == nil {
			t.Fatalf("no schema %s", name)
		}
		return s
	}
	props := func(name string) map[string]any { return asMap(schema(name)["properties"]) }
	enum := func(v any) []string {
		var out []string
		for _, e := range asSlice(dig(v, "enum")) {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}

	org := props("Org")
	for _, f := range []string{"booking_buffer_before", "booking_buffer_after", "reconcile_interval"} {
		if got := dig(org, f, "default"); got != "15m" {
			t.Errorf("Org.%s default = %v, want 15m", f, got)
		}
	}
	if got := enum(org["no_access_policy"]); !reflect.DeepEqual(got, []string{"keep", "suspend"}) {
		t.Errorf("Org.no_access_policy enum = %v", got)
	}
	if dig(org, "no_access_policy", "default") != "keep" {
		t.Error(`Org.no_access_policy must default to "keep"`)
	}
	if org["protected_salto_users"] == nil {
		t.Error("Org lacks protected_salto_users")
	}
	guard := props("RemovalGuard")
	if dig(guard, "max_fraction", "default") != 0.2 || dig(guard, "min_count", "default") != 10 {
		t.Errorf("RemovalGuard defaults = %v / %v, want 0.2 / 10",
			dig(guard, "max_fraction", "default"), dig(guard, "min_count", "default"))
	}

	if got := schema("ID")["pattern"]; got != `^[A-Za-z0-9._:-]{1,128}$` {
		t.Errorf("ID pattern = %v", got)
	}
	kindParam := deref(t, doc, dig(doc, "components", "parameters", "MappingKind"))
	if got := enum(deref(t, doc, kindParam["schema"])); !reflect.DeepEqual(got,
		[]string{"plans", "locations", "floors", "resources", "day-passes"}) {
		t.Errorf("mapping kind enum = %v", got)
	}
	idParam := deref(t, doc, dig(doc, "components", "parameters", "MappingID"))
	re := regexp.MustCompile(fmt.Sprint(dig(idParam, "schema", "pattern")))
	for id, ok := range map[string]bool{"*": true, "loc-1": true, "a/b": false, "": false, "**": false} {
		if re.MatchString(id) != ok {
			t.Errorf("mapping id %q: match = %v, want %v", id, !ok, ok)
		}
	}

	for _, e := range []string{"Location", "Floor", "Resource", "Plan", "Team", "Member", "Membership", "Booking", "DayPass"} {
		p := props(e)
		if dig(p, "version", "$ref") != "#/components/schemas/Version" {
			t.Errorf("%s lacks an optional integer version", e)
		}
		if p["unresolved"] == nil {
			t.Errorf("%s lacks unresolved", e)
		}
		if slices.Contains(asSlice(schema(e)["required"]), any("version")) {
			t.Errorf("%s: version must be optional", e)
		}
	}
	if dig(schema("Version"), "type") != "integer" {
		t.Error("Version must be an integer")
	}

	problem := props("Problem")
	for _, f := range []string{"type", "title", "status", "detail", "errors", "request_id"} {
		if problem[f] == nil {
			t.Errorf("Problem lacks %s", f)
		}
	}
	list := props("List")
	if list["data"] == nil || list["next_cursor"] == nil {
		t.Error("List must be {data, next_cursor}")
	}

	if got := enum(props("AuditEntry")["trigger"]); !reflect.DeepEqual(got, []string{"realtime", "reconcile", "replace", "api"}) {
		t.Errorf("AuditEntry.trigger enum = %v", got)
	}
	if got := enum(schema("AuditAction")); !reflect.DeepEqual(got, []string{"create_user", "adopt_user", "add",
		"remove", "assign_tag", "unassign_tag", "suspend_user", "approve_hold", "reject_hold", "expire_hold"}) {
		t.Errorf("AuditAction enum = %v", got)
	}
	if props("AuditEntry")["actor"] == nil {
		t.Error("AuditEntry lacks actor")
	}
	if got := enum(schema("KeyRole")); !reflect.DeepEqual(got, []string{"platform", "operator"}) || schema("KeyRole")["default"] != "operator" {
		t.Errorf("KeyRole = %v, want platform|operator, default operator", schema("KeyRole"))
	}
	if dig(props("APIKeyRequest"), "role", "$ref") == nil || dig(props("APIKeyCreated"), "role", "$ref") == nil {
		t.Error("API keys' request and answer must carry the role")
	}
	reason := props("Reason")
	if got := enum(reason["via"]); !reflect.DeepEqual(got, []string{"plan", "location", "floor", "resource", "bookable_resource", "day_pass"}) {
		t.Errorf("Reason.via enum = %v", got)
	}
	if got := enum(reason["kind"]); !reflect.DeepEqual(got, []string{"membership", "booking", "day_pass"}) {
		t.Errorf("Reason.kind enum = %v", got)
	}
	if got := enum(reason["through"]); !reflect.DeepEqual(got, []string{"team", "co_member"}) {
		t.Errorf("Reason.through enum = %v", got)
	}
	for _, f := range []string{"person", "salto_users", "groups", "upcoming"} {
		if props("ExplainedAccess")[f] == nil {
			t.Errorf("ExplainedAccess lacks %s", f)
		}
	}
}
