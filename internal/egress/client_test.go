package egress_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
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

// Concurrent calls to one host keep their connections between rounds
// (Salto KS is one host for every org): rounds of 20 calls at once open
// about 20 connections in all, not about 20 a round.
func TestClientKeepsConnectionsToOneHost(t *testing.T) {
	var mu sync.Mutex
	opened := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond) // the calls overlap
		io.WriteString(w, "ok")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			opened++
			mu.Unlock()
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := egress.MustParse("LIST", []string{srv.URL}).Client(5 * time.Second)
	const parallel, rounds = 20, 5
	for range rounds {
		var wg sync.WaitGroup
		for range parallel {
			wg.Go(func() {
				resp, err := c.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			})
		}
		wg.Wait()
	}
	mu.Lock()
	defer mu.Unlock()
	if opened > parallel+parallel/2 {
		t.Errorf("%d connections opened for %d rounds of %d calls at once, want about %d", opened, rounds, parallel, parallel)
	}
}
