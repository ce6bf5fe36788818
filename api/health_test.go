package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestReadyzReportsEachDependency(t *testing.T) {
	ok := func(context.Context) error { return nil }
	down := func(context.Context) error { return errors.New("connection refused") }
	for _, tc := range []struct {
		name       string
		checks     map[string]Check
		wantStatus int
		wantBody   map[string]string
	}{
		{"all up", map[string]Check{"postgres": ok, "temporal": ok}, 200,
			map[string]string{"postgres": "ok", "temporal": "ok"}},
		{"temporal down", map[string]Check{"postgres": ok, "temporal": down}, 503,
			map[string]string{"postgres": "ok", "temporal": "unavailable"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHandler(Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Readiness: tc.checks})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d", rec.Code, tc.wantStatus)
			}
			var body map[string]string
			json.Unmarshal(rec.Body.Bytes(), &body)
			for k, v := range tc.wantBody {
				if body[k] != v {
					t.Errorf("%s = %q, want %q (body %s)", k, body[k], v, rec.Body)
				}
			}
			if got := rec.Body.String(); strings.Contains(got, "connection refused") {
				t.Errorf("readyz leaks the error text: %s", got)
			}
		})
	}
}

// TestReadyzStaysReadyWhileTemporalIsDown: the outbox keeps accepting
// writes, so Temporal being down is reported (body and
// doorsync_temporal_up) but the API stays ready; Postgres down is not.
func TestReadyzStaysReadyWhileTemporalIsDown(t *testing.T) {
	ok := func(context.Context) error { return nil }
	down := func(context.Context) error { return errors.New("connection refused") }
	for _, tc := range []struct {
		name             string
		postgres, tempor Check
		wantStatus       int
		wantBody         map[string]string
		wantGauge        string
	}{
		{"all up", ok, ok, 200, map[string]string{"postgres": "ok", "temporal": "ok"}, "doorsync_temporal_up 1"},
		{"temporal down", ok, down, 200, map[string]string{"postgres": "ok", "temporal": "unavailable"}, "doorsync_temporal_up 0"},
		{"postgres down", down, ok, 503, map[string]string{"postgres": "unavailable", "temporal": "ok"}, "doorsync_temporal_up 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHandler(Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Readiness: map[string]Check{"postgres": tc.postgres}, Temporal: tc.tempor})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", rec.Code, tc.wantStatus, rec.Body)
			}
			var body map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if len(body) != len(tc.wantBody) {
				t.Errorf("body = %v, want %v", body, tc.wantBody)
			}
			for k, v := range tc.wantBody {
				if body[k] != v {
					t.Errorf("%s = %q, want %q (body %s)", k, body[k], v, rec.Body)
				}
			}
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
			if !strings.Contains(rec.Body.String(), "\n"+tc.wantGauge+"\n") {
				t.Errorf("/metrics lacks %q", tc.wantGauge)
			}
		})
	}
}
