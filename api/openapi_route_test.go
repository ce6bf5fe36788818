package api_test

import (
	"os"
	"testing"
)

func TestOpenAPIIsServedWithoutAToken(t *testing.T) {
	a := newTestAPI(t)
	r := a.must(200, "GET", "/openapi.yaml", "", nil)
	if ct := r.Header.Get("Content-Type"); ct != "application/yaml" {
		t.Errorf("Content-Type = %q", ct)
	}
	want, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Body) != string(want) {
		t.Error("the served document is not openapi.yaml")
	}
}
