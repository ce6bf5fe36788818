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
