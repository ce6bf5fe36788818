package health

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestReadyz(t *testing.T) {
	ok := func(context.Context) error { return nil }
	down := func(context.Context) error { return errors.New("dial tcp: connection refused") }
	for _, tc := range []struct {
		name               string
		required, reported map[string]Check
		wantStatus         int
		wantBody           map[string]string
	}{
		// the worker: both required
		{"worker, all up", map[string]Check{"postgres": ok, "temporal": ok}, nil, 200, map[string]string{"postgres": "ok", "temporal": "ok"}},
		{"worker, temporal down", map[string]Check{"postgres": ok, "temporal": down}, nil, 503, map[string]string{"postgres": "ok", "temporal": "unavailable"}},
		{"worker, postgres down", map[string]Check{"postgres": down, "temporal": ok}, nil, 503, map[string]string{"postgres": "unavailable", "temporal": "ok"}},
		// the API: Temporal reported only
		{"api, temporal down", map[string]Check{"postgres": ok}, map[string]Check{"temporal": down}, 200, map[string]string{"postgres": "ok", "temporal": "unavailable"}},
		{"api, postgres down", map[string]Check{"postgres": down}, map[string]Check{"temporal": ok}, 503, map[string]string{"postgres": "unavailable", "temporal": "ok"}},
		{"required wins over reported", map[string]Check{"x": down}, map[string]Check{"x": ok}, 503, map[string]string{"x": "unavailable"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			Readyz(slog.New(slog.NewTextHandler(io.Discard, nil)), tc.required, tc.reported).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			var body map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tc.wantStatus || len(body) != len(tc.wantBody) {
				t.Fatalf("= %d %v, want %d %v", rec.Code, body, tc.wantStatus, tc.wantBody)
			}
			for k, v := range tc.wantBody {
				if body[k] != v {
					t.Errorf("%s = %q, want %q", k, body[k], v)
				}
			}
		})
	}
}

func TestProbeUpKeepsItsLastResultForFresh(t *testing.T) {
	var err error
	calls := 0
	p := NewProbe(func(context.Context) error { calls++; return err })
	now := time.Unix(1000, 0)
	p.now = func() time.Time { return now }
	if p.Up() != 1 || calls != 1 {
		t.Fatalf("first Up = %v after %d checks, want 1 after 1", p.Up(), calls)
	}
	err = errors.New("down")
	now = now.Add(Fresh - time.Second)
	if p.Up() != 1 || calls != 1 {
		t.Errorf("Up within Fresh checked again (%d checks)", calls)
	}
	p.Check(context.Background()) // /readyz's check updates the gauge at once
	if p.Up() != 0 || calls != 2 {
		t.Errorf("Up after a failed check = %v (%d checks), want 0 after 2", p.Up(), calls)
	}
	err = nil
	now = now.Add(Fresh)
	if p.Up() != 1 || calls != 3 {
		t.Errorf("Up after Fresh = %v (%d checks), want 1 after 3", p.Up(), calls)
	}
}
