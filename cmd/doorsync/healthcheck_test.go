package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The healthcheck exits 0 on a 2xx and fails on anything else, or when
// nothing answers (loopback only).
func TestHealthcheckFollowsTheStatus(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	defer srv.Close()
	ctx := context.Background()
	if err := runHealthcheck(ctx, nil, []string{srv.URL + "/readyz"}); err != nil {
		t.Errorf("ready: %v", err)
	}
	status = http.StatusServiceUnavailable
	if err := runHealthcheck(ctx, nil, []string{srv.URL + "/readyz"}); err == nil {
		t.Error("503 passed")
	}
	srv.Close()
	if err := runHealthcheck(ctx, nil, []string{srv.URL + "/readyz"}); err == nil {
		t.Error("a closed server passed")
	}
}
