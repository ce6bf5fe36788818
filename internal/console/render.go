package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"doorsync/access"
)

// page is what every template gets.
type page struct {
	Title  string
	Nav    string // the active nav entry
	CSRF   string
	Actor  string
	Admin  bool
	OrgID  string
	Org    orgInfo
	Loc    *time.Location
	Error  string
	Notice string
	Data   any
}

type orgInfo struct {
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
}

type pageTemplate = template.Template

var funcs = template.FuncMap{
	// at shows t in loc, the zone named by the page's header.
	"at": func(loc *time.Location, t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		if loc == nil {
			loc = time.UTC
		}
		return t.In(loc).Format("2 Jan 2006 15:04 MST")
	},
	// late says a lateness in the largest fitting unit, to the second.
	"late": func(d time.Duration) string {
		return d.Round(time.Second).String()
	},
	// memberID is the member id of a person key ("member:m1"), or "".
	"memberID": func(person string) string {
		id, _ := strings.CutPrefix(person, access.PersonMember+":")
		if id == person {
			return ""
		}
		return id
	},
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, one)
		}
		return fmt.Sprintf("%d %s", n, many)
	},
}

var pageNames = []string{"signin", "orgs", "overview", "problems", "holds", "confirmhold", "audit", "salto", "people", "person", "mappings", "mappingpreview", "reconcile", "webhooks", "platform"}

// parsePages parses each page with the layout; a broken template is a
// bug caught by any test that starts the console.
func parsePages() map[string]*pageTemplate {
	pages := make(map[string]*pageTemplate, len(pageNames))
	for _, n := range pageNames {
		pages[n] = template.Must(template.New("layout.html").Funcs(funcs).
			ParseFS(templateFS, "templates/layout.html", "templates/"+n+".html"))
	}
	return pages
}

// render writes the page, filling in the session's part of it.
func (c *console) render(w http.ResponseWriter, r *http.Request, name string, p page) {
	if s := sessionFrom(r.Context()); s.IDHash != nil {
		p.CSRF, p.Actor, p.Admin, p.OrgID = s.CSRFToken, s.Actor, s.Role == "admin", s.OrgID
		if p.OrgID != "" && p.Org.Name == "" {
			c.loadOrg(r, &p)
		}
	}
	var buf bytes.Buffer
	if err := c.pages[name].Execute(&buf, p); err != nil {
		c.fail(w, r, fmt.Errorf("console: render %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if _, err := buf.WriteTo(w); err != nil {
		// The browser went away; nothing to answer.
		c.opts.Logger.DebugContext(r.Context(), "console: writing a page failed", "path", r.URL.Path, "err", err)
	}
}

// loadOrg fills in the org's name and time zone for the header.
func (c *console) loadOrg(r *http.Request, p *page) {
	p.Loc = time.UTC
	if err := c.get(r, "", &p.Org); err != nil {
		p.Org = orgInfo{Name: p.OrgID, TimeZone: "UTC"}
		return
	}
	if loc, err := time.LoadLocation(p.Org.TimeZone); err == nil {
		p.Loc = loc
	} else {
		p.Org.TimeZone = "UTC"
	}
}

// fail answers a failure the user cannot fix; the details go to the log.
func (c *console) fail(w http.ResponseWriter, r *http.Request, err error) {
	c.opts.Logger.ErrorContext(r.Context(), "console: request failed", "path", r.URL.Path, "err", err)
	http.Error(w, "something went wrong; the log has the details", http.StatusInternalServerError)
}

// apiError is an API answer other than 2xx, with its message.
type apiError struct {
	Status  int
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d: %s", e.Status, e.Message) }

// call serves an API request below the session's org as the session's
// principal and decodes its JSON answer into out (nil: ignored).
func (c *console) call(r *http.Request, method, path string, body, out any) error {
	return c.callAPI(r, method, "/v1/orgs/"+sessionFrom(r.Context()).OrgID+path, body, out)
}

// callAPI serves an API request at target as the session's principal.
func (c *console) callAPI(r *http.Request, method, target string, body, out any) error {
	s := sessionFrom(r.Context())
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return fmt.Errorf("console: encode %s %s: %w", method, target, err)
		}
	}
	res := c.opts.Backend.Call(r.Context(), s.principal(), method, target, b)
	status, resp := res.Status, res.Body
	if status/100 != 2 {
		return &apiError{Status: status, Message: apiMessage(resp)}
	}
	if out == nil || len(resp) == 0 {
		return nil
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return fmt.Errorf("console: decode %s %s: %w", method, target, err)
	}
	return nil
}

func (c *console) get(r *http.Request, path string, out any) error {
	return c.call(r, http.MethodGet, path, nil, out)
}

// apiMessage is an API problem's detail, or its title.
func apiMessage(body []byte) string {
	var e struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	// A body that is not a problem leaves the message empty.
	_ = json.Unmarshal(body, &e)
	if e.Detail != "" {
		return e.Detail
	}
	return e.Title
}
