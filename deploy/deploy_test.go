// Package deploy holds what operators deploy beside doorsync: the Grafana
// dashboard (grafana/doorsync.json) and the Prometheus alerting rules
// (prometheus/alerts.yml). Its tests hold both to the code: every metric
// they name is one doorsync serves, or one of the Temporal SDK's. `make
// check-deploy` checks the rules with promtool.
package deploy_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// temporalStems are the Temporal SDK metrics the dashboard and rules may
// name (internal/temporalmetrics exports them: the Prometheus naming scope
// adds _total to counters and _seconds to timers, histograms here).
var temporalStems = []string{
	"temporal_workflow_task_schedule_to_start_latency",
	"temporal_activity_execution_failed",
	"temporal_workflow_failed",
}

func TestDashboardNamesOnlyMetricsDoorsyncServes(t *testing.T) {
	b, err := os.ReadFile("grafana/doorsync.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID        string  `json:"uid"`
		Title      string  `json:"title"`
		Panels     []panel `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("grafana/doorsync.json: %v", err)
	}
	if dash.UID == "" || dash.Title == "" {
		t.Error("the dashboard has no uid or title")
	}
	var exprs []string
	ids := map[int]bool{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			if ids[p.ID] {
				t.Errorf("panel id %d is used twice", p.ID)
			}
			ids[p.ID] = true
			if p.Type != "row" && len(p.Targets) == 0 {
				t.Errorf("panel %q queries nothing", p.Title)
			}
			for _, tg := range p.Targets {
				if strings.TrimSpace(tg.Expr) == "" {
					t.Errorf("panel %q has an empty query", p.Title)
				}
				exprs = append(exprs, tg.Expr)
			}
			walk(p.Panels)
		}
	}
	walk(dash.Panels)
	for _, v := range dash.Templating.List {
		switch q := v.Query.(type) {
		case map[string]any:
			if s, ok := q["query"].(string); ok {
				exprs = append(exprs, variableQuery(s))
			}
		case string:
			if v.Name != "datasource" {
				exprs = append(exprs, variableQuery(q))
			}
		}
	}
	checkExprs(t, "grafana/doorsync.json", exprs)
	names := namesIn(t, exprs)
	for _, want := range []string{
		"doorsync_outbox_oldest_pending_age_seconds", "doorsync_outbox_send_failures_total", "doorsync_people_with_problems",
		"doorsync_holds_pending", "doorsync_salto_connection_up", "doorsync_reconcile_drift_found",
		"doorsync_reconcile_drift_repaired", "doorsync_revocation_lateness_seconds",
		"doorsync_http_requests_total", "doorsync_http_request_duration_seconds_bucket",
		"doorsync_salto_requests_total", "doorsync_salto_request_duration_seconds_bucket",
		"doorsync_salto_retries_total", "doorsync_salto_rate_limited_total",
	} {
		if !names[want] {
			t.Errorf("the dashboard does not show %s", want)
		}
	}
}

func TestAlertRulesNameOnlyMetricsDoorsyncServes(t *testing.T) {
	b, err := os.ReadFile("prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatalf("prometheus/alerts.yml: %v", err)
	}
	var exprs, alerts []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			exprs, alerts = append(exprs, r.Expr), append(alerts, r.Alert)
		}
	}
	checkExprs(t, "prometheus/alerts.yml", exprs)
	for _, want := range []string{"DoorsyncRevocationLate", "DoorsyncOutboxStuck", "DoorsyncSaltoErrorRate",
		"DoorsyncSaltoConnectionDown", "DoorsyncHoldsPending"} {
		if !slices.Contains(alerts, want) {
			t.Errorf("alerts.yml lacks %s", want)
		}
	}
}

type panel struct {
	ID      int    `json:"id"`
	Type    string `json:"type"`
	Title   string `json:"title"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

// checkExprs fails for every metric the expressions name that doorsync
// does not serve (its code does not spell the name) and that is not one of
// the Temporal SDK's.
func checkExprs(t *testing.T, file string, exprs []string) {
	t.Helper()
	code := moduleSource(t)
	for name := range namesIn(t, exprs) {
		switch {
		case strings.HasPrefix(name, "temporal_"):
			if !isTemporal(name) {
				t.Errorf("%s names %s, not a Temporal SDK metric it knows (%v)", file, name, temporalStems)
			}
		default:
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
			if !strings.HasPrefix(name, "doorsync_") || !strings.Contains(code, `"`+base+`"`) {
				t.Errorf("%s names %s, which doorsync does not produce", file, name)
			}
		}
	}
	for _, e := range exprs {
		for _, m := range nameMatchers.FindAllStringSubmatch(e, -1) {
			re, err := regexp.Compile("^(?:" + m[1] + ")$")
			if err != nil {
				t.Errorf("%s: __name__ regex %q: %v", file, m[1], err)
				continue
			}
			matched := false
			for _, stem := range temporalStems {
				for _, suffix := range []string{"", "_total", "_bucket", "_seconds_bucket"} {
					matched = matched || re.MatchString(stem+suffix)
				}
			}
			if !matched {
				t.Errorf("%s: __name__ regex %q matches none of the Temporal SDK metrics it knows", file, m[1])
			}
		}
	}
}

// variableQuery is the PromQL of a Grafana variable's query:
// label_values(metric, label) names metric.
func variableQuery(q string) string {
	if m := labelValues.FindStringSubmatch(q); m != nil {
		return m[1]
	}
	return q
}

var labelValues = regexp.MustCompile(`^\s*label_values\(\s*(.+?)\s*,\s*\w+\s*\)\s*$`)

func isTemporal(name string) bool {
	for _, stem := range temporalStems {
		if name == stem || strings.HasPrefix(name, stem+"_") {
			return true
		}
	}
	return false
}

var (
	nameMatchers = regexp.MustCompile(`__name__\s*=~?\s*"([^"]*)"`)
	// what names no metric: label matchers, ranges, strings, variables,
	// and the label lists of by, without, on, ignoring, group_left/right
	notNames = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]|"[^"]*"|\$\w+|\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	ident    = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`)
	keywords = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "by": true,
		"without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true, "inf": true, "nan": true}
)

// namesIn are the metric names the PromQL expressions (and Grafana's
// label_values queries) name outside __name__ matchers.
func namesIn(t *testing.T, exprs []string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, e := range exprs {
		e = notNames.ReplaceAllString(e, " ")
		for _, loc := range ident.FindAllStringIndex(e, -1) {
			word := e[loc[0]:loc[1]]
			if loc[0] > 0 && strings.ContainsAny(e[loc[0]-1:loc[0]], "0123456789.") {
				continue // an exponent or a unit in a number
			}
			rest := strings.TrimLeft(e[loc[1]:], " \t\n")
			if strings.HasPrefix(rest, "(") || keywords[strings.ToLower(word)] {
				continue // a function, or a keyword
			}
			names[word] = true
		}
	}
	if len(names) == 0 {
		t.Error("no metric named at all")
	}
	return names
}

// moduleSource is the text of the module's non-test Go files.
func moduleSource(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != ".." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "bin" || d.Name() == "testdata" || d.Name() == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		b.Write(src)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
