package egress_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"doorsync/internal/egress"
)

// Only loopback listeners: the allowed one stands for Salto KS, the other
// one for an internal host nobody allow-listed.
func TestClientReachesOnlyAllowListedHosts(t *testing.T) {
	allowed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if to := r.URL.Query().Get("redirect"); to != "" {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(allowed.Close)
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the internal host was reached: %s", r.URL)
	}))
	t.Cleanup(internal.Close)
	au, _ := url.Parse(allowed.URL)
	iu, _ := url.Parse(internal.URL)

	p := egress.MustParse("LIST", []string{"http://" + au.Host, "http://localhost:" + au.Port()})
	c := p.Client(5 * time.Second)
	for _, ok := range []string{allowed.URL, "http://localhost:" + au.Port()} {
		resp, err := c.Get(ok)
		if err != nil {
			t.Fatalf("GET %s: %v", ok, err)
		}
		resp.Body.Close()
	}
	for _, refused := range []string{
		internal.URL,
		"http://localhost:" + iu.Port(),
		allowed.URL + "/?redirect=" + url.QueryEscape(internal.URL),
	} {
		resp, err := c.Get(refused)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("GET %s succeeded", refused)
		}
		var re *egress.RefusedError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "not on the allow-list") {
			t.Errorf("GET %s: %v, want a refusal", refused, err)
		}
	}
}
